using Prometheus;
using XxExporter.Logs.Grammar;

namespace XxExporter.Logs.Rules;

/// <summary>
/// What cmix.log and gateway.log share: the Go binary starting, crashing, and its version. A process
/// crashes at most once, so every crash signal after the first (the FATAL line, the deferred log lines
/// during the panic, <c>panic:</c> and the goroutine dump, a cascading second FATAL) counts as one crash
/// until the next start line.
/// </summary>
public sealed class GoProcessLifecycle(Counter starts, Counter crashes, Gauge versionInfo, ReadOnlyMemory<byte> startPrefix)
{
    private string? _version;

    /// <summary>True between a crash signal and the next start line.</summary>
    public bool Crashed { get; private set; }

    /// <summary>Handles the start line; returns true if <paramref name="message"/> was one.</summary>
    public bool TryStart(ReadOnlySpan<byte> message)
    {
        if (!message.StartsWith(startPrefix.Span)) return false;
        starts.Inc();
        Crashed = false;
        // "Starting xx network node (server) v3.13.0": the version is a short token, a bounded label.
        string version = MessageText.FirstWord(message[startPrefix.Length..], 32);
        if (version != _version)
        {
            if (_version is not null) versionInfo.RemoveLabelled(_version);
            versionInfo.WithLabels(version).Set(1);
            _version = version;
        }
        return true;
    }

    /// <summary>Counts a crash for a FATAL record; returns true if this record crashed the process just now.</summary>
    public bool OnRecordLevel(RecordLevel level) => level == RecordLevel.Fatal && MarkCrashed();

    /// <summary>Counts a crash for a Go runtime panic line; returns true if it crashed the process just now.</summary>
    public bool OnContinuation(ReadOnlySpan<byte> line) =>
        (line.StartsWith("panic: "u8) || line.StartsWith("fatal error: "u8)) && MarkCrashed();

    private bool MarkCrashed()
    {
        if (Crashed) return false;
        Crashed = true;
        crashes.Inc();
        return true;
    }
}
