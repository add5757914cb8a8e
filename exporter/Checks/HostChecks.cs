using Microsoft.Extensions.DependencyInjection;
using XxExporter.Telemetry;

namespace XxExporter.Checks;

/// <summary>
/// The host checks - backups, certificates, the node's identity, TCP reachability, the gateway's node, DNS - each a scrape-time source
/// (<see cref="IScrapeSource"/>) with its health in
/// <c>xx_exporter_collector_success{collector="backups|certificates|identity|probes|gateway_node|dns"}</c>. A check turned off in
/// <see cref="ChecksSettings"/> is no source, so it has no series at all.
/// </summary>
public static class HostChecks
{
    /// <summary>Files are local and read in milliseconds; this only bounds a hung mount (NFS) holding scrapes.</summary>
    internal static readonly TimeSpan FileTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A check's registration: <paramref name="build"/> gives the check, or null when its settings turn it off.</summary>
    internal static SourceRegistration Register(string name, string help, Func<ChecksSettings, SourceContext, IScrapeSource?> build) =>
        new(name, help, context => build(ChecksSettings.Read(context.Settings), context) is { } check ? [check] : []);

    /// <summary>Looks names up through the host's <see cref="NameResolver"/> if it has one (tests), else the system.</summary>
    internal static NameResolver Resolver(SourceContext context) => context.Services.GetService<NameResolver>() ?? NameResolver.System;
}
