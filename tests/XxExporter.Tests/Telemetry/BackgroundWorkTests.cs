using System.Collections.Concurrent;
using XxExporter.Telemetry;
using XxExporter.Tests.Web;

namespace XxExporter.Tests.Telemetry;

/// <summary>
/// Slow work no scrape waits for: runs held by gates the test opens, the clock moved by hand. Nothing here is timed;
/// the waits only bound a hung test.
/// </summary>
public sealed class BackgroundWorkTests
{
    private static readonly TimeSpan Hung = TimeSpan.FromSeconds(30);

    /// <summary>Work whose every run waits until the test lets it end, with the versions it was started for, in order.</summary>
    private sealed class HeldWork
    {
        private readonly ConcurrentDictionary<int, TaskCompletionSource<string>> _gates = new();
        private readonly SemaphoreSlim _started = new(0);

        public ManualClock Clock { get; } = new();

        public ConcurrentQueue<int> Started { get; } = new();

        public BackgroundWork<int, string> Work { get; }

        public HeldWork() => Work = new(version =>
        {
            var gate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _gates[version] = gate;
            Started.Enqueue(version);
            _started.Release();
            return gate.Task;
        }, Clock);

        /// <summary>Waits for the next run to start (its gate is then the one <see cref="End"/> opens).</summary>
        public async Task NextStarted() => Assert.True(await _started.WaitAsync(Hung), "no run started");

        public void End(int version) => _gates[version].SetResult($"result of {version}");

        public void Throw(int version) => _gates[version].SetException(new InvalidOperationException($"bug in {version}"));

        /// <summary>Waits until no run is under way; the version asked is the one the last run was for, so asking starts nothing.</summary>
        public async Task<BackgroundWork<int, string>.Completed> Ended(int version)
        {
            var limit = DateTime.UtcNow + Hung;
            while (Work.Running || Work.Latest(version) is not { } last || last.Version != version)
            {
                Assert.True(DateTime.UtcNow < limit, $"the run for {version} did not end");
                await Task.Delay(1);
            }
            return Work.Latest(version)!;
        }
    }

    [Fact]
    public async Task Nothing_before_the_first_run_ends_then_its_result_without_running_again()
    {
        var held = new HeldWork();
        Assert.Null(held.Work.Latest(1));
        await held.NextStarted();
        Assert.Null(held.Work.Latest(1)); // asked again while it runs: no second run
        held.End(1);

        var last = await held.Ended(1);
        Assert.Equal(("result of 1", held.Clock.GetUtcNow()), (last.Result, last.At));
        Assert.Same(last, held.Work.Latest(1));
        Assert.False(held.Work.Running);
        Assert.Equal([1], held.Started);
    }

    [Fact]
    public async Task Versions_asked_while_one_runs_are_run_once_after_it_the_newest_only()
    {
        var held = new HeldWork();
        held.Work.Latest(1);
        await held.NextStarted();
        for (int version = 2; version <= 50; version++) Assert.Null(held.Work.Latest(version)); // a file touched at every scrape
        Assert.Equal([1], held.Started);

        held.End(1);
        await held.NextStarted();
        Assert.Equal([1, 50], held.Started);
        Assert.Equal("result of 1", held.Work.Latest(50)!.Result); // the last result, of the older version, while the newer runs

        held.End(50);
        Assert.Equal("result of 50", (await held.Ended(50)).Result);
        Assert.Equal([1, 50], held.Started);
    }

    [Fact]
    public async Task Asking_again_for_the_version_that_runs_drops_one_asked_before()
    {
        var held = new HeldWork();
        held.Work.Latest(1);
        await held.NextStarted();
        held.Work.Latest(2);
        held.Work.Latest(1); // the file came back to the version being hashed
        held.End(1);
        await held.Ended(1);
        Assert.Equal([1], held.Started);
    }

    [Fact]
    public async Task A_result_is_renewed_when_the_caller_finds_it_old_and_reported_while_it_is()
    {
        var held = new HeldWork();
        bool Old(BackgroundWork<int, string>.Completed last) => held.Clock.GetUtcNow() - last.At >= TimeSpan.FromMinutes(1);
        held.Work.Latest(1, Old);
        await held.NextStarted();
        held.End(1);
        var first = await held.Ended(1);

        held.Clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Same(first, held.Work.Latest(1, Old));
        Assert.False(held.Work.Running);

        held.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Same(first, held.Work.Latest(1, Old)); // the old result while the renewal runs
        await held.NextStarted();
        Assert.Same(first, held.Work.Latest(1, Old));
        Assert.Equal([1, 1], held.Started);
    }

    [Fact]
    public async Task A_run_that_throws_throws_in_the_scrape_that_reports_it_and_is_run_again()
    {
        var held = new HeldWork();
        held.Work.Latest(7);
        await held.NextStarted();
        held.Throw(7);
        var limit = DateTime.UtcNow + Hung;
        while (held.Work.Running) { Assert.True(DateTime.UtcNow < limit); await Task.Delay(1); }

        var failed = held.Work.Latest(7)!; // a bug is no result to keep: asking again runs again
        Assert.Equal("bug in 7", Assert.Throws<InvalidOperationException>(() => failed.Result).Message);
        await held.NextStarted();
        Assert.Equal([7, 7], held.Started);
    }
}
