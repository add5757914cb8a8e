using Microsoft.Extensions.DependencyInjection;
using Prometheus;
using XxExporter.Chain;
using XxExporter.Checks;
using XxExporter.Hosting;
using XxExporter.Settings;
using XxExporter.Telemetry;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Checks;

/// <summary>
/// Host checks with a registry of their own, scraped as Prometheus would; every check off unless given. The checks
/// are built as the exporter builds them: from their registrations, with <paramref name="settings"/> given as the
/// flags' text.
/// </summary>
internal sealed class ChecksHarness
{
    public static readonly ChecksSettings Off = new()
    {
        Backups = [], BackupMinBytes = 1, CertificatePatterns = [], IdfPath = "", Probes = [], ProbeTimeout = TimeSpan.FromSeconds(1),
        GatewayConfig = "", DnsNames = [], DnsTimeout = TimeSpan.FromSeconds(1),
    };

    /// <summary>The collectors of the host checks.</summary>
    public static readonly string[] Names = ["backups", "certificates", "identity", "probes", "gateway_node", "dns"];

    /// <param name="resolver">Looks names up instead of the system (a resolver that never answers).</param>
    public ChecksHarness(ChecksSettings settings, NameResolver? resolver = null)
    {
        var factory = Metrics.WithCustomRegistry(Registry);
        var services = new ServiceCollection();
        if (resolver is not null) services.AddSingleton(resolver);
        var context = new SourceContext(new SettingValues(Flags(settings), new Dictionary<string, string>(), new Dictionary<string, string>()),
            factory, services.BuildServiceProvider());
        var sources = SourceRegistry.All.Where(source => Names.Contains(source.Name)).SelectMany(source => source.Create(context)).ToList();
        new ScrapeSources(sources, new ExporterMetrics(factory), Logs.Factory, Clock).CollectBeforeEachScrape(Registry);
    }

    /// <summary>The clock of the log's once-a-minute rule: a test moves it past the minute to see a recovery logged.</summary>
    public Web.ManualClock Clock { get; } = new();

    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    public CapturedLogs Logs { get; } = new();

    public Task<Exposition> Scrape() => Exposition.Of(Registry);

    /// <summary>Scrapes until <paramref name="series"/> shows: what a check does in the background is reported by a later scrape.</summary>
    public Task<Exposition> ScrapeUntil(string series) => Exposition.Until(Registry, m => m.Has(series), TimeSpan.FromSeconds(30));

    /// <summary>Waits until a resolver has been asked <paramref name="count"/> times: lookups start on the thread pool.</summary>
    public static async Task Asked(Func<int> lookups, int count)
    {
        var limit = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (lookups() < count)
        {
            Assert.True(DateTime.UtcNow < limit, $"the resolver was asked {lookups()} times, not {count}");
            await Task.Delay(10);
        }
    }

    public static long Unix(DateTime utc) => new DateTimeOffset(utc).ToUnixTimeSeconds();

    /// <summary>The flags that give <paramref name="settings"/>.</summary>
    private static Dictionary<Setting, string> Flags(ChecksSettings settings) => new()
    {
        [ChecksSettings.Table.Backups] = string.Join(',', settings.Backups.Select(b => $"{b.Name}={b.PathOrGlob}")),
        [ChecksSettings.Table.BackupSources] = string.Join(',', settings.Backups.Where(b => b.Source is not null).Select(b => $"{b.Name}={b.Source}")),
        [ChecksSettings.Table.BackupMinBytes] = settings.BackupMinBytes.ToString(),
        [ChecksSettings.Table.Certificates] = string.Join(',', settings.CertificatePatterns),
        [ChainSettings.Table.IdfPath] = settings.IdfPath,
        [ChecksSettings.Table.Probes] = string.Join(',', settings.Probes.Select(p => $"{p.Name}={(p.Host.Contains(':') ? $"[{p.Host}]" : p.Host)}:{p.Port}")),
        [ChecksSettings.Table.ProbeTimeout] = $"{settings.ProbeTimeout.TotalMilliseconds}ms",
        [ChecksSettings.Table.GatewayConfig] = settings.GatewayConfig,
        [ChecksSettings.Table.DnsNames] = string.Join(',', settings.DnsNames),
        [ChecksSettings.Table.DnsTimeout] = $"{settings.DnsTimeout.TotalMilliseconds}ms",
    };
}
