using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Logs.Rules;

/// <summary>Kinds of error the wrapper (cmix-wrapper.py / gateway-wrapper.py) logs.</summary>
public enum WrapperError { NoLocalChain, ChainConnection, SyncState, NetworkSettings, UpdateFailed, CommandFailed, Signature, Other }

/// <summary>
/// Reads cmix-wrapper.log or gateway-wrapper.log: restarts of the binary after an error, binary updates
/// pushed by on-chain hash, waiting for the consensus ready state, and the wrapper's errors by kind.
/// </summary>
public sealed class WrapperRules : ILogRules
{
    private static readonly LabelTable<WrapperError> Errors = new(
        new(WrapperError.NoLocalChain, "no_local_chain"),
        new(WrapperError.ChainConnection, "chain_connection"),
        new(WrapperError.SyncState, "sync_state"),
        new(WrapperError.NetworkSettings, "network_settings"),
        new(WrapperError.UpdateFailed, "update_failed"),
        new(WrapperError.CommandFailed, "command_failed"),
        new(WrapperError.Signature, "signature"),
        new(WrapperError.Other, "other", "any other ERROR or CRITICAL record"));

    private readonly Counter.Child _restarts;
    private readonly Counter.Child _updates;
    private readonly Counter.Child _binaryStarts;
    private readonly Gauge.Child _waiting;
    private readonly Counter.Child[] _errors;

    public WrapperRules(IMetricFactory factory, string service)
    {
        _restarts = Families.Counter(factory, "xx_wrapper_restarts_total",
            "Times the wrapper restarted the binary after an error (\"Restarting binary due to error\").", "service").WithLabels(service).Published();
        _updates = Families.Counter(factory, "xx_wrapper_binary_updates_total",
            "Binary updates the wrapper applied after an on-chain hash change (first installs excluded).", "service").WithLabels(service).Published();
        _binaryStarts = Families.Counter(factory, "xx_wrapper_binary_starts_total",
            "Times the wrapper started the binary (\"... started at PID n\").", "service").WithLabels(service).Published();
        _waiting = Families.Gauge(factory, "xx_wrapper_waiting_for_consensus",
            "1 while the wrapper waits for the chain (\"Waiting on consensus ready state\" or \"Waiting on IDF for consensus\") before starting the binary, else 0.",
            "service").WithLabels(service).Published();
        _errors = Errors.Children(Families.Counter(factory, "xx_wrapper_errors_total",
            $"Errors the wrapper logged, by kind: {Errors.Describe()}.", "service", "kind"), service);
    }

    public void OnRecord(in LogRecord record)
    {
        var message = record.Message;
        if (message.StartsWith("Restarting binary due to error"u8)) _restarts.Inc();
        else if (message.StartsWith("Waiting on consensus ready state"u8) || message.StartsWith("Waiting on IDF for consensus"u8)) _waiting.Set(1);
        else if (message.StartsWith("Consensus ready!"u8)) _waiting.Set(0);
        else if (IsBinaryStart(message))
        {
            _binaryStarts.Inc();
            _waiting.Set(0);
        }
        else if (IsUpdate(message)) _updates.Inc();
        else if (record.Level >= Grammar.RecordLevel.Error) _errors[(int)ClassifyError(message)].Inc();
    }

    public void OnContinuation(ReadOnlySpan<byte> line) { }

    /// <summary>"/opt/xxnetwork/bin/xxnetwork-cmix started at PID 1234".</summary>
    private static bool IsBinaryStart(ReadOnlySpan<byte> message)
    {
        int at = message.IndexOf(" started at PID "u8);
        return at > 0 && MessageText.TryReadNumber(message[(at + " started at PID "u8.Length)..], out _, out _);
    }

    /// <summary>"server update required: 0000... -> 5f3e..."; an all-zero old hash is the first install.</summary>
    private static bool IsUpdate(ReadOnlySpan<byte> message)
    {
        int at = message.IndexOf(" update required: "u8);
        if (at <= 0) return false;
        var hashes = message[(at + " update required: "u8.Length)..];
        int arrow = hashes.IndexOf(" -> "u8);
        return arrow > 0 && hashes[..arrow].ContainsAnyExcept((byte)'0');
    }

    internal static WrapperError ClassifyError(ReadOnlySpan<byte> message)
    {
        if (message.StartsWith("No local Substrate node running"u8)) return WrapperError.NoLocalChain;
        if (message.StartsWith("Failed to get substrate chain connection"u8) || message.StartsWith("Connection lost while in "u8))
            return WrapperError.ChainConnection;
        if (message.StartsWith("Failed to query sync state"u8)) return WrapperError.SyncState;
        if (message.StartsWith("Unacceptable network settings"u8)) return WrapperError.NetworkSettings;
        if (message.StartsWith("Unable to execute blockchain update"u8)) return WrapperError.UpdateFailed;
        if (message.StartsWith("Unable to execute commands"u8)) return WrapperError.CommandFailed;
        if (message.StartsWith("Failed to verify signature"u8)) return WrapperError.Signature;
        return WrapperError.Other;
    }
}
