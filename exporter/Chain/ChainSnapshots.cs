namespace XxExporter.Chain;

/// <summary>
/// The chain read of each scrape, shared in the open: the chain source publishes the read it starts
/// (<see cref="Publish"/>), and each source that reads storage at the block it found (staking, binaries) takes it as
/// its input through a <see cref="Follower"/> of its own. A follower gets the newest read it has not taken yet, else
/// waits for the next one, so one read of the head per scrape serves every dependent source and none of them asks
/// the node for the head itself. Each follower keeps its own place, so a slow one never takes a read from another.
/// </summary>
public sealed class ChainSnapshots
{
    private readonly Lock _gate = new();
    private long _published;
    private Task<ChainHead>? _latest;
    private TaskCompletionSource _next = NewSignal();

    /// <summary>Makes <paramref name="read"/> (of this scrape, possibly still in flight) the one followers take next.</summary>
    public void Publish(Task<ChainHead> read)
    {
        TaskCompletionSource published;
        lock (_gate)
        {
            _latest = read;
            _published++;
            (published, _next) = (_next, NewSignal());
        }
        published.SetResult();
    }

    /// <summary>A follower for one dependent source, from the next published read on (made before its first scrape, so it misses none).</summary>
    public Follower Follow()
    {
        lock (_gate) return new Follower(this, _published);
    }

    /// <summary>One dependent source's place in the published reads. Not for concurrent use: a source runs one read at a time.</summary>
    public sealed class Follower
    {
        private readonly ChainSnapshots _snapshots;
        private long _taken;

        internal Follower(ChainSnapshots snapshots, long taken) => (_snapshots, _taken) = (snapshots, taken);

        /// <summary>The chain read of this scrape: the newest one not taken yet, else the next one. It fails as that read failed.</summary>
        public async Task<ChainHead> NextAsync(CancellationToken token)
        {
            while (true)
            {
                Task<ChainHead>? read = null;
                Task next;
                lock (_snapshots._gate)
                {
                    if (_snapshots._published > _taken)
                    {
                        _taken = _snapshots._published;
                        read = _snapshots._latest!;
                    }
                    next = _snapshots._next.Task;
                }
                if (read is not null) return await read.WaitAsync(token);
                await next.WaitAsync(token);
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
