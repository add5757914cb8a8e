using XxExporter.Chain.Rpc;
using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>
/// The <c>chain</c> source: the head of the chain at each scrape (<see cref="ChainReader"/>), shown by
/// <see cref="ChainSeries"/>. A node that refuses, times out or answers nonsense shows as <c>xx_chain_up 0</c> with
/// no other chain series; a bug of ours is a bug (<see cref="ChainBugs"/>), the node still up. Each read is published
/// to <paramref name="snapshots"/> as it starts, for the sources that read storage at the block it found.
/// </summary>
public sealed class ChainSource(ChainConnection connection, Func<CancellationToken, Task<ChainHead>> read, ChainSeries series,
    ChainSnapshots snapshots, ChainBugs bugs, TimeSpan timeout) : IScrapeSource
{
    public string Name => "chain";

    public TimeSpan Timeout => timeout;

    public async Task CollectAsync(Readings readings, CancellationToken token)
    {
        Uri endpoint = connection.Endpoint; // a failed call may already have moved the connection on to the next one
        var head = ReadAsync(token);
        snapshots.Publish(head);
        try
        {
            series.Write(readings, await head);
        }
        catch (Exception ex) when (ChainNodeFault.Is(ex))
        {
            series.Down(readings);
            readings.Fail($"{endpoint} is not answering: {ex.Message}");
        }
        catch (Exception ex) when (!token.IsCancellationRequested)
        {
            series.Answered(readings);
            bugs.Report(readings, Name, ex);
        }
    }

    /// <summary>The read as a task even where it throws at once, so that the dependent sources see it fail too.</summary>
    private async Task<ChainHead> ReadAsync(CancellationToken token) => await read(token);

    public void Unavailable(Readings readings) => series.Down(readings);
}
