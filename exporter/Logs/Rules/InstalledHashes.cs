using System.Collections.Concurrent;

namespace XxExporter.Logs.Rules;

/// <summary>What the wrapper logs last reported installing, by log and binary: the binaries source's second witness.</summary>
public interface IReportedInstalls
{
    /// <summary>What each log last reported installing, by binary.</summary>
    IReadOnlyList<(string Log, string Binary, byte[] Hash)> Reported();
}

/// <summary>
/// The hash each wrapper log last reported installing, by log and binary, as the wrapper's log rules
/// (<see cref="WrapperRules"/>) read it; the binaries source compares it with the chain. The wrapper keeps the hash it installed per target and logs
/// <c>"&lt;target&gt; update required: &lt;installed&gt; -&gt; &lt;on chain&gt;"</c> before each attempt; a failed attempt is
/// followed by an error line and repeated 10 s later (docs/xx-node-facts.md, "Binaries behind the chain").
/// </summary>
/// <remarks>
/// Why a record the wrapper's rules own, and not series or a read of the log by the binaries source: the wrapper log
/// is the only witness of what the wrapper installed, its rules already read every line of it, and the hash is no
/// value a series can carry. So the rules are the one writer, and the binaries source is handed only the read-only
/// <see cref="IReportedInstalls"/> by the host's wiring: the dependency is named in both constructors and goes one
/// way, from the logs to the binaries source.
/// </remarks>
public sealed class InstalledHashes : IReportedInstalls
{
    /// <summary>The size of a hash the wrapper logs: a BLAKE2s digest, as on chain.</summary>
    public const int HashBytes = 32;

    private readonly ConcurrentDictionary<(string Log, string Binary), byte[]> _installed = new();
    private readonly ConcurrentDictionary<string, Attempt> _attempts = new();

    private sealed record Attempt(string Binary, byte[]? Before, byte[] Wanted);

    /// <summary>
    /// "update required: before -> wanted": the wrapper had <paramref name="before"/> (all zeros: nothing yet, on each
    /// start) and now installs <paramref name="wanted"/>, taken as installed unless a failure line follows.
    /// </summary>
    public void UpdateRequired(string log, string binary, byte[] before, byte[] wanted)
    {
        byte[]? known = before.AsSpan().ContainsAnyExcept((byte)0) ? before : null;
        _attempts[log] = new Attempt(binary, known, wanted);
        _installed[(log, binary)] = wanted;
    }

    /// <summary>The last attempt of <paramref name="log"/> failed: the wrapper still has what it had before it.</summary>
    public void UpdateFailed(string log)
    {
        if (!_attempts.TryRemove(log, out var attempt)) return;
        if (attempt.Before is { } before) _installed[(log, attempt.Binary)] = before;
        else _installed.TryRemove((log, attempt.Binary), out _);
    }

    public IReadOnlyList<(string Log, string Binary, byte[] Hash)> Reported() =>
        _installed.Select(entry => (entry.Key.Log, entry.Key.Binary, entry.Value)).OrderBy(e => e.Log, StringComparer.Ordinal).ThenBy(e => e.Binary, StringComparer.Ordinal).ToList();
}
