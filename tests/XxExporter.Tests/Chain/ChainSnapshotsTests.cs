using XxExporter.Chain;

namespace XxExporter.Tests.Chain;

/// <summary>How the chain read of a scrape reaches the sources that read storage at its block.</summary>
public sealed class ChainSnapshotsTests
{
    private static ChainHead Head(long best) =>
        new(new BlockHeights(best, best - 2, null), new NodeHealth(5, false), new NodeInfo("xx network", "test", null), 207, null!);

    [Fact]
    public async Task A_follower_takes_the_newest_read_it_has_not_taken_and_otherwise_waits_for_the_next()
    {
        var snapshots = new ChainSnapshots();
        snapshots.Publish(Task.FromResult(Head(1))); // before the follower: not its to take
        var follower = snapshots.Follow();
        var waiting = follower.NextAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        snapshots.Publish(Task.FromResult(Head(2)));
        Assert.Equal(2, (await waiting).Heights.Best);

        snapshots.Publish(Task.FromResult(Head(3)));
        snapshots.Publish(Task.FromResult(Head(4))); // a scrape the follower missed: it takes the newest
        Assert.Equal(4, (await follower.NextAsync(CancellationToken.None)).Heights.Best);
        Assert.False(follower.NextAsync(CancellationToken.None).IsCompleted); // each read once
    }

    [Fact]
    public async Task Followers_keep_their_own_place_and_a_failed_read_fails_each_of_them()
    {
        var snapshots = new ChainSnapshots();
        var (staking, binaries) = (snapshots.Follow(), snapshots.Follow());
        snapshots.Publish(Task.FromResult(Head(7)));
        Assert.Equal(7, (await staking.NextAsync(CancellationToken.None)).Heights.Best);
        snapshots.Publish(Task.FromException<ChainHead>(new TimeoutException("the node")));
        await Assert.ThrowsAsync<TimeoutException>(() => staking.NextAsync(CancellationToken.None));
        await Assert.ThrowsAsync<TimeoutException>(() => binaries.NextAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_wait_given_up_leaves_the_next_read_to_be_taken()
    {
        var snapshots = new ChainSnapshots();
        var follower = snapshots.Follow();
        using var cancel = new CancellationTokenSource();
        var waiting = follower.NextAsync(cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        snapshots.Publish(Task.FromResult(Head(9)));
        Assert.Equal(9, (await follower.NextAsync(CancellationToken.None)).Heights.Best);
    }
}
