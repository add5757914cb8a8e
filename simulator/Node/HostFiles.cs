using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace XxSimulator.Node;

/// <summary>
/// The files around a node that the exporter's host checks read: the gateway's TLS certificate next to the IDF, and
/// the backups of the two databases and the chain that an operator's nightly job leaves.
/// </summary>
internal static class HostFiles
{
    /// <summary>The backup targets the demos name in --checks.backups, with a typical dump name.</summary>
    private static readonly (string Target, string Extension)[] Backups =
        [("cmix_node", "sql.gz"), ("cmix_gateway", "sql.gz"), ("chain", "tar.zst")];

    private const int BackupsKept = 3;

    /// <summary>A self-signed certificate valid for a year, as the gateway's generated one is.</summary>
    public static void WriteCertificate(string credFolder, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=gateway.xx-simulator", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(now.AddDays(-1), now.AddDays(365));
        File.WriteAllText(Path.Combine(credFolder, "gateway-cert.crt"), certificate.ExportCertificatePem() + "\n");
    }

    /// <summary>One new dump per target (folder/target/target-timestamp.ext); older ones beyond the last few are removed.</summary>
    public static void WriteBackups(string folder, DateTimeOffset now)
    {
        foreach (var (target, extension) in Backups)
        {
            string targetFolder = Directory.CreateDirectory(Path.Combine(folder, target)).FullName;
            string stamp = now.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
            File.WriteAllText(Path.Combine(targetFolder, $"{target}-{stamp}.{extension}"), $"simulated {target} backup taken {now:O}\n");
            foreach (string old in Directory.GetFiles(targetFolder).Order(StringComparer.Ordinal).SkipLast(BackupsKept)) File.Delete(old);
        }
    }

    /// <summary>The gateway's config as the handbook lays it out, its database password a placeholder.</summary>
    public static void WriteGatewayConfig(string folder, string nodeAddress)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "gateway.yaml"), $"""
            # Gateway configuration written by xx-simulator
            logLevel: 0
            log: "/opt/xxnetwork/log/gateway.log"
            port: 22840
            cmixAddress: "{nodeAddress}"
            idfPath: "/opt/xxnetwork/cred/gateway-IDF.json"
            dbName: "cmix_gateway"
            dbAddress: "0.0.0.0:5432"
            dbPassword: "not-a-real-password"

            """);
    }
}
