using XxExporter.Chain.Rpc;
using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>
/// The <c>staking</c> source: the configured validator's staking state (<see cref="StakingReader"/>) at the block the
/// chain source's read of the same scrape found (taken from <paramref name="chain"/>), shown by <see cref="StakingSeries"/>
/// and the add-ons' series. Whenever it cannot be read - the chain read failed, the stash is unknown, the IDF is
/// unreadable, storage does not decode or does not come in time - it fails with no staking series: old ones would
/// mislead. Everything is read before anything is written.
/// </summary>
public sealed class StakingSource(ChainSnapshots.Follower chain, StakingReader reader, StakingSeries series, ChainSettings settings, ChainBugs bugs)
    : IScrapeSource
{
    private byte[]? _stash = settings.Stash;

    public string Name => "staking";

    public TimeSpan Timeout => settings.Timeout;

    public async Task CollectAsync(Readings readings, CancellationToken token)
    {
        ChainHead head;
        try
        {
            head = await chain.NextAsync(token);
        }
        catch (Exception ex) when (ex is OperationCanceledException || ChainNodeFault.Is(ex))
        {
            readings.Fail("not read, since the chain node is not answering (see the chain collector)");
            return;
        }
        catch (Exception)
        {
            readings.Fail("not read, since the chain collector met a bug (see the chain collector)");
            return;
        }
        try
        {
            byte[]? nodeId = CmixIdf.ReadNodeId(settings.IdfPath);
            _stash ??= nodeId is null ? null : await StakingReader.FindStashAsync(head.Best, nodeId, token);
            if (_stash is null)
            {
                readings.Fail(nodeId is null
                    ? "no validator configured (--chain.stash) and no IDF to find it by (--chain.idf-path)"
                    : $"no stash on chain has the cMix ID of {settings.IdfPath}");
                return;
            }
            var staking = await reader.ReadAsync(head.Best, _stash, token);
            series.Write(readings, staking, nodeId);
            foreach (var addOn in staking.AddOns) addOn.Write(readings);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or UnauthorizedAccessException || ChainNodeFault.Is(ex))
        {
            string why = token.IsCancellationRequested ? $"no answer within {Timeout.TotalSeconds:0.###}s" : ex.Message;
            readings.Fail($"cannot read the validator's staking state: {why}");
        }
        catch (Exception ex)
        {
            bugs.Report(readings, Name, ex);
        }
    }
}
