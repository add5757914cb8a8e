using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Logs.Rules;

/// <summary>Kinds of error the wrapper (cmix-wrapper.py / gateway-wrapper.py) logs.</summary>
public enum WrapperError { NoLocalChain, ChainConnection, SyncState, NetworkSettings, UpdateFailed, Download, HashMismatch, CommandFailed, Signature, Other }

/// <summary>
/// Reads cmix-wrapper.log or gateway-wrapper.log: the wrapper's own starts, restarts of the binary after an error, binary updates
/// pushed by on-chain hash (each attempt's hashes go to <see cref="InstalledHashes"/>), waiting for the consensus
/// ready state, and the wrapper's errors by kind.
/// </summary>
public sealed class WrapperRules : ILogRules
{
    private readonly string _log;
    private readonly InstalledHashes? _installed;
    private static readonly LabelTable<WrapperError> Errors = new(
        new(WrapperError.NoLocalChain, "no_local_chain"),
        new(WrapperError.ChainConnection, "chain_connection"),
        new(WrapperError.SyncState, "sync_state"),
        new(WrapperError.NetworkSettings, "network_settings"),
        new(WrapperError.UpdateFailed, "update_failed"),
        new(WrapperError.Download, "download", "a binary or command file not downloaded from S3"),
        new(WrapperError.HashMismatch, "hash_mismatch", "a downloaded binary whose BLAKE2s is not the one asked for"),
        new(WrapperError.CommandFailed, "command_failed"),
        new(WrapperError.Signature, "signature", "a signed command the wrapper could not verify"),
        new(WrapperError.Other, "other", "any other ERROR or CRITICAL record"));

    private readonly Counter.Child _starts;
    private readonly Counter.Child _restarts;
    private readonly Counter.Child _updates;
    private readonly Counter.Child _binaryStarts;
    private readonly Gauge.Child _waiting;
    private readonly Counter.Child[] _errors;

    /// <param name="log">The log's <c>log</c> label, naming it in <paramref name="installed"/>.</param>
    public WrapperRules(IMetricFactory factory, string service, string log, InstalledHashes? installed)
    {
        (_log, _installed) = (log, installed);
        _starts = Families.Counter(factory, "xx_wrapper_starts_total",
            "Times the wrapper itself started (\"Running with configuration: ...\", its first line once the network settings pass): systemd starting it again after it crashed or updated itself, or a restart of its service.",
            "service").WithLabels(service).Published();
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
        // The rest of this line is the wrapper's arguments, its S3 secret among them: only the prefix is read.
        if (message.StartsWith("Running with configuration: "u8)) _starts.Inc();
        else if (message.StartsWith("Restarting binary due to error"u8)) _restarts.Inc();
        else if (message.StartsWith("Waiting on consensus ready state"u8) || message.StartsWith("Waiting on IDF for consensus"u8)) _waiting.Set(1);
        else if (message.StartsWith("Consensus ready!"u8)) _waiting.Set(0);
        else if (IsBinaryStart(message))
        {
            _binaryStarts.Inc();
            _waiting.Set(0);
        }
        else if (UpdateRequired(message) is { } update)
        {
            if (update.Before.AsSpan().ContainsAnyExcept((byte)0)) _updates.Inc();
            _installed?.UpdateRequired(_log, update.Binary, update.Before, update.Wanted);
        }
        else if (record.Level >= Grammar.RecordLevel.Error && ClassifyError(message) is { } kind)
        {
            _errors[(int)kind].Inc();
            if (EndsUpdate(kind, message)) _installed?.UpdateFailed(_log);
        }
    }

    public void OnContinuation(ReadOnlySpan<byte> line) { }

    /// <summary>"/opt/xxnetwork/bin/xxnetwork-cmix started at PID 1234".</summary>
    private static bool IsBinaryStart(ReadOnlySpan<byte> message)
    {
        int at = message.IndexOf(" started at PID "u8);
        return at > 0 && MessageText.TryReadNumber(message[(at + " started at PID "u8.Length)..], out _, out _);
    }

    private readonly record struct Update(string Binary, byte[] Before, byte[] Wanted);

    /// <summary>
    /// "server update required: 0000... -> 5f3e...": the target (a CmixHashes field), the hash the wrapper has (all
    /// zeros on each start: nothing yet) and the one on chain it now installs; hex without 0x.
    /// </summary>
    private static Update? UpdateRequired(ReadOnlySpan<byte> message)
    {
        int at = message.IndexOf(" update required: "u8);
        if (at <= 0) return null;
        var hashes = message[(at + " update required: "u8.Length)..];
        int arrow = hashes.IndexOf(" -> "u8);
        if (arrow <= 0 || !TryHash(hashes[..arrow], out byte[] before) || !TryHash(hashes[(arrow + " -> "u8.Length)..].TrimEnd(" "u8), out byte[] wanted))
            return null;
        return new Update(System.Text.Encoding.ASCII.GetString(message[..at]), before, wanted);
    }

    private static bool TryHash(ReadOnlySpan<byte> hex, out byte[] hash)
    {
        hash = [];
        if (hex.Length != 2 * InstalledHashes.HashBytes || hex.IndexOfAnyExcept("0123456789abcdefABCDEF"u8) >= 0) return false;
        hash = Convert.FromHexString(System.Text.Encoding.ASCII.GetString(hex));
        return true;
    }

    /// <summary>
    /// Whether an error ends the update just announced: a failed download of a binary ("Unable to download
    /// server/&lt;hash&gt; from elixxir-bins: ..."; command files are downloaded by the same function), a hash mismatch,
    /// a file that could not be moved into place, or any exception of the update step.
    /// </summary>
    private static bool EndsUpdate(WrapperError kind, ReadOnlySpan<byte> message)
    {
        if (kind is WrapperError.HashMismatch or WrapperError.UpdateFailed) return true;
        if (kind != WrapperError.Download) return false;
        var source = message["Unable to download "u8.Length..];
        int slash = source.IndexOf((byte)'/'), space = source.IndexOf((byte)' ');
        return slash > 0 && space > slash && TryHash(source[(slash + 1)..space], out _);
    }
    /// <summary>The kind of an error record, or null for the second line of a failure already counted.</summary>
    internal static WrapperError? ClassifyError(ReadOnlySpan<byte> message)
    {
        if (message.StartsWith("No local Substrate node running"u8)) return WrapperError.NoLocalChain;
        // A query that failed: "Connection lost while in ..." for the session and hash queries, "Failed to query
        // Staking Bonded|Ledger ..." for the two poll_ready makes per validator while it waits for the ready state.
        if (message.StartsWith("Failed to get substrate chain connection"u8) || message.StartsWith("Connection lost while in "u8)
            || message.StartsWith("Failed to query Staking "u8))
            return WrapperError.ChainConnection;
        if (message.StartsWith("Failed to query sync state"u8)) return WrapperError.SyncState;
        if (message.StartsWith("Unacceptable network settings"u8)) return WrapperError.NetworkSettings;
        if (message.StartsWith("Unable to execute blockchain update"u8) || message.StartsWith("Could not overwrite "u8)) return WrapperError.UpdateFailed;
        if (message.StartsWith("Unable to download "u8)) return WrapperError.Download;
        if (message.StartsWith("Downloaded file "u8) && message.IndexOf(" does not match provided hash"u8) > 0) return WrapperError.HashMismatch;
        if (message.StartsWith("Unable to execute commands"u8)) return WrapperError.CommandFailed;
        // A command that does not verify is logged twice: the cause ("Unable to verify command: <error>", the one
        // counted), then "Failed to verify signature for <file>!" or, if it was not even JSON, "Empty command file".
        if (message.StartsWith("Unable to verify command"u8)) return WrapperError.Signature;
        if (message.StartsWith("Failed to verify signature"u8) || message.StartsWith("Empty command file"u8)) return null;
        return WrapperError.Other;
    }
}
