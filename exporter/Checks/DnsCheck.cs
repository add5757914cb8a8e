using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Checks;

/// <summary>
/// Resolves the names the xx software on this host needs (scheduling and the authorizer, docs/xx-node-facts.md
/// section 5), all at once. A name that does not resolve is a finding (logged once until it changes), not a failure of
/// the check.
/// </summary>
internal sealed class DnsCheck : IScrapeSource
{
    private static readonly LabelTable<ResolutionResult> Results = new(
        new(ResolutionResult.Ok, "ok"),
        new(ResolutionResult.NotFound, "not_found", "the name has no address"),
        new(ResolutionResult.ResolverError, "resolver_error", "the resolver failed or could not be reached"),
        new(ResolutionResult.Timeout, "timeout", "no answer within the timeout"));

    private readonly IReadOnlyDictionary<string, BackgroundWork<string, Resolved>> _lookups;
    private readonly Gauge _success, _result, _duration;

    /// <summary>Puts this source in <see cref="SourceRegistry.All"/> when the exporter loads (no list to keep by hand).</summary>
    [ModuleInitializer]
    internal static void Declare() => SourceRegistry.Declare(() => Registration);

    internal static readonly SourceRegistration Registration = HostChecks.Register("dns", "The host names of --checks.dns-names, resolved (xx_dns_*).", (settings, context) =>
        settings.DnsNames.Count > 0 ? new DnsCheck(settings.DnsNames, settings.DnsTimeout, HostChecks.Resolver(context), context.Factory) : null);

    public DnsCheck(IReadOnlyList<string> names, TimeSpan timeout, NameResolver resolver, IMetricFactory factory)
    {
        Timeout = timeout;
        _lookups = names.Distinct(StringComparer.OrdinalIgnoreCase).ToDictionary(name => name, _ => Lookups(resolver, timeout));
        _success = Families.Gauge(factory, "xx_dns_resolution_success", "1 if the name resolved to at least one address, else 0.", "name");
        _result = Families.Gauge(factory, "xx_dns_resolution_result",
            $"1 for how resolving the name went, 0 for the others: {Results.Describe()}.", "name", "result");
        _duration = Families.Gauge(factory, "xx_dns_resolution_duration_seconds", "How long resolving the name took, or took to fail.", "name");
    }

    public string Name => "dns";

    public TimeSpan Timeout { get; }

    /// <summary>
    /// How old a lookup may be before it is renewed. The names rarely change, and a resolver that does not answer must
    /// not hold any scrape: lookups run in the background (<see cref="BackgroundWork{TVersion, TResult}"/>), a scrape
    /// reports the newest that ended (a name has no series until its first lookup ends) and renews an older one.
    /// </summary>
    public static readonly TimeSpan ResolveEvery = TimeSpan.FromMinutes(1);

    /// <summary>How a lookup went, the addresses it found, and how long it took.</summary>
    internal sealed record Resolved(ResolutionResult Result, string Problem, double Seconds, IPAddress[] Addresses);

    public Task CollectAsync(Readings readings, CancellationToken timeout)
    {
        foreach (var (name, lookup) in _lookups)
        {
            if (lookup.Latest(name, Old)?.Result is not { } resolved) continue;
            readings.Set(_success, resolved.Result == ResolutionResult.Ok, name);
            Results.SetOne(readings, _result, resolved.Result, name);
            readings.Set(_duration, resolved.Seconds, name);
            if (resolved.Result != ResolutionResult.Ok) readings.Notice(name, resolved.Problem);
        }
        return Task.CompletedTask;
    }

    /// <summary>A lookup to renew: older than <see cref="ResolveEvery"/>.</summary>
    internal static bool Old(BackgroundWork<string, Resolved>.Completed lookup) => TimeProvider.System.GetUtcNow() - lookup.At >= ResolveEvery;

    /// <summary>A name's lookup in the background, bounded by <paramref name="timeout"/>.</summary>
    internal static BackgroundWork<string, Resolved> Lookups(NameResolver resolver, TimeSpan timeout) => new(async name =>
    {
        long started = Stopwatch.GetTimestamp();
        var (addresses, result, problem) = await resolver.ResolveAsync(name, timeout, CancellationToken.None);
        return new Resolved(result, problem, Stopwatch.GetElapsedTime(started).TotalSeconds, addresses);
    }, TimeProvider.System);

    /// <summary>A round that threw (a bug): no name is known to resolve.</summary>
    public void Unavailable(Readings readings)
    {
        foreach (string name in _lookups.Keys) readings.Set(_success, false, name);
    }
}
