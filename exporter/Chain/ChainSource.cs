using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>
/// The <c>chain</c> source: the head of the chain at each scrape (<see cref="ChainReader"/>), shown by
/// <see cref="ChainSeries"/>. A node that refuses, times out or answers nonsense shows as <c>xx_chain_up 0</c> with
/// no other chain series. Each read is also handed to the staking source, which reads storage at the block it found.
/// </summary>
public sealed class ChainSource(ChainConnection connection, ChainReader reader, ChainSeries series, TimeSpan timeout) : IScrapeSource
{
    private readonly Lock _gate = new();
    private TaskCompletionSource<Task<ChainHead>> _handover = NewHandover();

    public string Name => "chain";

    public TimeSpan Timeout => timeout;

    public async Task CollectAsync(Readings readings, CancellationToken token)
    {
        Uri endpoint = connection.Endpoint; // a failed call may already have moved the connection on to the next one
        var read = reader.ReadAsync(token);
        HandOver(read);
        try
        {
            series.Write(readings, await read);
        }
        catch (Exception ex) when (ChainConnection.IsNodeFault(ex))
        {
            series.Down(readings);
            readings.Fail($"{endpoint} is not answering: {ex.Message}");
        }
    }

    public void Unavailable(Readings readings) => series.Down(readings);

    /// <summary>
    /// The chain read of this scrape, for the staking source: the newest read it has not taken yet, else the next
    /// one to start. It fails as that read failed.
    /// </summary>
    public async Task<ChainHead> NextReadAsync(CancellationToken token)
    {
        Task<Task<ChainHead>> handover;
        lock (_gate) handover = _handover.Task;
        var read = await handover.WaitAsync(token);
        lock (_gate)
        {
            if (_handover.Task == handover) _handover = NewHandover();
        }
        return await read.WaitAsync(token);
    }

    /// <summary>Makes <paramref name="read"/> the one <see cref="NextReadAsync"/> gives next, in place of an older one not taken.</summary>
    private void HandOver(Task<ChainHead> read)
    {
        lock (_gate)
        {
            if (_handover.Task.IsCompleted) _handover = NewHandover();
            _handover.SetResult(read);
        }
    }

    private static TaskCompletionSource<Task<ChainHead>> NewHandover() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
