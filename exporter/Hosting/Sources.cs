using XxExporter.Binaries;
using XxExporter.Chain;
using XxExporter.Checks;
using XxExporter.CmixError;
using XxExporter.Logs;
using XxExporter.Postgres;
using XxExporter.Telemetry;

namespace XxExporter.Hosting;

/// <summary>Every kind of scrape-time source, one line each; each is declared in its own file. The order is the registry's.</summary>
public static class Sources
{
    public static IReadOnlyList<SourceRegistration> All { get; } =
    [
        LogFilesSource.Registration,
        CmixErrorFileSource.Registration,
        BackupCheck.Registration,
        CertificateCheck.Registration,
        IdentityCheck.Registration,
        ProbeCheck.Registration,
        GatewayNodeCheck.Registration,
        DnsCheck.Registration,
        PostgresSource.Registration,
        ChainSources.Registration,
        BinariesSource.Registration,
    ];
}
