using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>
/// The <c>chain</c> source: the head of the chain at each scrape (<see cref="ChainReader"/>), shown by
/// <see cref="ChainSeries"/>. A node that refuses, times out or answers nonsense shows as <c>xx_chain_up 0</c> with
/// no other chain series. Each read is also handed to the sources that read storage at the block it found (staking,
/// binaries), each taking it for itself.
/// </summary>
public sealed class ChainSource(ChainConnection connection, ChainReader reader, ChainSeries series, TimeSpan timeout) : IScrapeSource
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, TaskCompletionSource<Task<ChainHead>>> _handovers = new();

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
    /// The chain read of this scrape, for the source <paramref name="consumer"/>: the newest read it has not taken
    /// yet, else the next one to start. It fails as that read failed.
    /// </summary>
    public async Task<ChainHead> NextReadAsync(string consumer, CancellationToken token)
    {
        Task<Task<ChainHead>> handover;
        lock (_gate) handover = HandoverOf(consumer).Task;
        var read = await handover.WaitAsync(token);
        lock (_gate)
        {
            if (_handovers[consumer].Task == handover) _handovers[consumer] = NewHandover();
        }
        return await read.WaitAsync(token);
    }

    /// <summary>Makes <paramref name="read"/> the one <see cref="NextReadAsync"/> gives each consumer next, in place of an older one not taken.</summary>
    private void HandOver(Task<ChainHead> read)
    {
        lock (_gate)
        {
            foreach (string consumer in _handovers.Keys.ToList())
            {
                if (_handovers[consumer].Task.IsCompleted) _handovers[consumer] = NewHandover();
                _handovers[consumer].SetResult(read);
            }
        }
    }

    /// <summary>Hands each read to <paramref name="consumer"/> from now on (before its first scrape, so it misses none).</summary>
    public void AddConsumer(string consumer)
    {
        lock (_gate) _handovers[consumer] = NewHandover();
    }

    private TaskCompletionSource<Task<ChainHead>> HandoverOf(string consumer) =>
        _handovers.TryGetValue(consumer, out var handover) ? handover : throw new InvalidOperationException($"{consumer} was not added as a consumer of the chain reads");

    private static TaskCompletionSource<Task<ChainHead>> NewHandover() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
