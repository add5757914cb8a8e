namespace XxExporter.Checks;

/// <summary>
/// What the host checks found at their last run, for the status page and /status.json. Lists are in the configured
/// (backups, probes) or file name (certificates) order; a check turned off gives an empty list.
/// </summary>
/// <param name="Node">The node's identity, or null without a readable IDF.</param>
public sealed record ChecksSnapshot(
    IReadOnlyList<BackupStatus> Backups, IReadOnlyList<CertificateStatus> Certificates, NodeIdentity? Node, IReadOnlyList<ProbeStatus> Probes);

/// <param name="LastSuccess">Modification time of the newest file; null when <paramref name="Present"/> is false.</param>
/// <param name="SizeBytes">Size of the newest file; null when <paramref name="Present"/> is false.</param>
public sealed record BackupStatus(string Target, bool Present, DateTimeOffset? LastSuccess, long? SizeBytes);

/// <param name="File">The file's base name.</param>
public sealed record CertificateStatus(string File, DateTimeOffset NotBefore, DateTimeOffset NotAfter);

/// <param name="DurationSeconds">Time to connect, or until the attempt failed or timed out.</param>
public sealed record ProbeStatus(string Target, bool Success, double DurationSeconds);

/// <summary>The node ID as the xx dashboard shows it: base64 of the 32-byte cMix ID and the type byte 2 (node), 44 characters ending in C.</summary>
/// <param name="NodeIdUrl">The same in base64url (<c>/</c> as <c>_</c>, <c>+</c> as <c>-</c>), as dashboard links use it.</param>
public sealed record NodeIdentity(string NodeId, string NodeIdUrl)
{
    private const byte NodeType = 2;

    public static NodeIdentity FromCmixId(byte[] cmixId)
    {
        string id = Convert.ToBase64String([.. cmixId, NodeType]);
        return new NodeIdentity(id, id.Replace('/', '_').Replace('+', '-'));
    }
}
