using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;
using XxExporter.Chain;
using XxExporter.Chain.Rpc;
using XxExporter.Logs.Rules;
using XxExporter.Telemetry;

namespace XxExporter.Binaries;

/// <summary>
/// The <c>binaries</c> source: whether what this host runs is what the chain says it should (XXCmix.CmixHashes), by
/// two witnesses - the BLAKE2s of each installed file (<see cref="FileHashes"/>) and the hash each wrapper log last
/// reported installing (<see cref="IReportedInstalls"/>, from the wrapper logs' rules) - and for how long a binary has
/// been behind. Storage is read at the block the chain source's read of the same scrape found (taken from
/// <paramref name="chain"/>), every <see cref="HashesReadEvery"/>. Needs the chain's RPC (docs/metrics.md, "Binaries behind the
/// chain"); the files alone say nothing without the hashes to compare them with.
/// </summary>
public sealed class BinariesSource(ChainSnapshots.Follower chain, BinariesSettings settings, IReportedInstalls installed, IMetricFactory factory,
    ChainBugs bugs, TimeSpan timeout, TimeProvider clock) : IScrapeSource
{
    /// <summary>Puts this source in <see cref="SourceRegistry.All"/> when the exporter loads (no list to keep by hand).</summary>
    [ModuleInitializer]
    internal static void Declare() => SourceRegistry.Declare(() => Registration);

    public static readonly SourceRegistration Registration = new("binaries",
        "Installed binaries of --binaries.paths compared with the hashes on chain (xx_binary_*); needs the chain collector.",
        context => context.Settings.Get(ChainSources.Registration.Switch) && ChainSources.Of(context) is { } chain
            ? For(BinariesSettings.Read(context.Settings), chain, context.Services.GetRequiredService<IReportedInstalls>(), context.Factory)
            : []);

    /// <summary>The source beside the chain's, if any binary is configured.</summary>
    public static IEnumerable<IScrapeSource> For(BinariesSettings settings, ChainSources chain, IReportedInstalls installed, IMetricFactory factory)
    {
        if (settings.Files.Count == 0) yield break;
        var source = new BinariesSource(chain.Snapshots.Follow(), settings, installed, factory, chain.Bugs, chain.Timeout, TimeProvider.System);
        chain.Bugs.Watch(source.Name);
        yield return source;
    }

    /// <summary>
    /// How often XXCmix.CmixHashes is read again. It changes only by an on-chain vote and XxBinaryBehindChain waits an
    /// hour, so a request at every scrape bought nothing but scrape time (bench/chain/README.md).
    /// </summary>
    public static readonly TimeSpan HashesReadEvery = TimeSpan.FromMinutes(5);

    private readonly FileHashes _files = new(settings.MaxBytes);
    private (IReadOnlyDictionary<string, byte[]>? Hashes, DateTimeOffset ReadAt)? _onChain;
    private readonly Dictionary<string, DateTimeOffset> _behindSince = new();

    private readonly Gauge _installed = Families.Gauge(factory, "xx_binary_installed",
        "1 if the binary's file (--binaries.paths) exists on this host, else 0.", "binary");
    private readonly Gauge _matches = Families.Gauge(factory, "xx_binary_hash_matches_chain",
        "1 if the binary's hash equals its XXCmix.CmixHashes field, else 0; source: file (the BLAKE2s of the installed file) or the wrapper log that last reported installing it.",
        "binary", "source");
    private readonly Gauge _behind = Families.Gauge(factory, "xx_binary_behind_chain_seconds",
        "Seconds since the exporter first saw the binary differ from the chain's hash (by any source); 0 while all agree.", "binary");

    public string Name => "binaries";

    public TimeSpan Timeout => timeout;

    public async Task CollectAsync(Readings readings, CancellationToken token)
    {
        try
        {
            await CompareAsync(readings, token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
        {
            bugs.Report(readings, Name, ex);
        }
    }

    private async Task CompareAsync(Readings readings, CancellationToken token)
    {
        ChainHead head;
        try
        {
            head = await chain.NextAsync(token);   // taken at every scrape: it says the node answers
        }
        catch (Exception ex) when (ex is OperationCanceledException || ChainNodeFault.Is(ex))
        {
            readings.Fail(NotRead(token));
            return;
        }
        catch (Exception)
        {
            readings.Fail("not compared, since the chain collector met a bug (see the chain collector)");
            return;
        }
        IReadOnlyDictionary<string, byte[]>? onChain;
        try
        {
            if (_onChain is not { } known || clock.GetUtcNow() - known.ReadAt >= HashesReadEvery)
                _onChain = (await CmixHashes.ReadAsync(head.Best, token), clock.GetUtcNow());
            onChain = _onChain.Value.Hashes;
        }
        catch (Exception ex) when (ex is OperationCanceledException || ChainNodeFault.Is(ex))
        {
            readings.Fail(NotRead(token));
            return;
        }
        if (onChain is null)
        {
            readings.Fail("the chain has no XXCmix.CmixHashes to compare the installed binaries with");
            return;
        }

        var behind = new Dictionary<string, bool>();
        void Compare(string binary, string source, byte[] hash)
        {
            if (!onChain.TryGetValue(binary, out var expected)) return;
            bool matches = hash.AsSpan().SequenceEqual(expected);
            readings.Set(_matches, matches, binary, source);
            behind[binary] = behind.GetValueOrDefault(binary) || !matches;
        }

        foreach (var file in settings.Files)
        {
            var state = _files.Latest(file.Path);   // null: installed, its first hash not ended yet
            readings.Set(_installed, state is not InstalledFile.Absent, file.Name);
            if (state is InstalledFile.Hashed hashed) Compare(file.Name, "file", hashed.Hash);
            else if (state is InstalledFile.Unreadable unreadable) readings.Fail(file.Path, $"{file.Name} ({BinariesSettings.Table.Paths.Name}) cannot be hashed: {unreadable.Why}");
        }
        foreach (var (log, binary, hash) in installed.Reported()) Compare(binary, log, hash);

        var now = clock.GetUtcNow();
        foreach (var (binary, isBehind) in behind)
        {
            if (!isBehind) _behindSince.Remove(binary);
            else if (!_behindSince.ContainsKey(binary)) _behindSince[binary] = now;
            readings.Set(_behind, isBehind ? (now - _behindSince[binary]).TotalSeconds : 0, binary);
        }
        foreach (string gone in _behindSince.Keys.Except(behind.Keys).ToList()) _behindSince.Remove(gone);
    }

    private string NotRead(CancellationToken token) => token.IsCancellationRequested
        ? $"XXCmix.CmixHashes not read within {Timeout.TotalSeconds:0.###}s"
        : "not compared, since the chain node is not answering (see the chain collector)";
}
