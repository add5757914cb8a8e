using System.Collections.Concurrent;
using System.Diagnostics;
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

    private readonly IReadOnlyList<string> _names;
    private readonly NameResolver _resolver;
    private readonly Gauge _success, _result, _duration;

    /// <summary>Puts this source in <see cref="SourceRegistry.All"/> when the exporter loads (no list to keep by hand).</summary>
    [ModuleInitializer]
    internal static void Declare() => SourceRegistry.Declare(() => Registration);

    internal static readonly SourceRegistration Registration = HostChecks.Register("dns", "The host names of --checks.dns-names, resolved (xx_dns_*).", (settings, context) =>
        settings.DnsNames.Count > 0 ? new DnsCheck(settings.DnsNames, settings.DnsTimeout, HostChecks.Resolver(context), context.Factory) : null);

    public DnsCheck(IReadOnlyList<string> names, TimeSpan timeout, NameResolver resolver, IMetricFactory factory)
    {
        (_names, Timeout, _resolver) = (names, timeout, resolver);
        _success = Families.Gauge(factory, "xx_dns_resolution_success", "1 if the name resolved to at least one address, else 0.", "name");
        _result = Families.Gauge(factory, "xx_dns_resolution_result",
            $"1 for how resolving the name went, 0 for the others: {Results.Describe()}.", "name", "result");
        _duration = Families.Gauge(factory, "xx_dns_resolution_duration_seconds", "How long resolving the name took, or took to fail.", "name");
    }

    public string Name => "dns";

    public TimeSpan Timeout { get; }

    /// <summary>
    /// How old a lookup may be before it is renewed. The names rarely change, and a resolver that does not answer must
    /// not hold every scrape for the timeout: a scrape reports the newest lookup it has and renews an older one in the
    /// background; only a name never looked up yet is waited for (bounded by the timeout).
    /// </summary>
    public static readonly TimeSpan ResolveEvery = TimeSpan.FromMinutes(1);

    private sealed record Resolved(ResolutionResult Result, string Problem, double Seconds, long At);

    private readonly ConcurrentDictionary<string, Resolved> _known = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Task<Resolved>> _renewing = new(StringComparer.OrdinalIgnoreCase);

    public async Task CollectAsync(Readings readings, CancellationToken timeout)
    {
        var lookups = await Task.WhenAll(_names.Select(async name => (name, resolved: await NewestAsync(name))));
        foreach (var (name, (result, problem, seconds, _)) in lookups)
        {
            readings.Set(_success, result == ResolutionResult.Ok, name);
            Results.SetOne(readings, _result, result, name);
            readings.Set(_duration, seconds, name);
            if (result != ResolutionResult.Ok) readings.Notice(name, problem);
        }
    }

    private async Task<Resolved> NewestAsync(string name)
    {
        if (!_known.TryGetValue(name, out var known)) return await _renewing.GetOrAdd(name, RenewAsync);   // ends within Timeout
        if (Stopwatch.GetElapsedTime(known.At) >= ResolveEvery) _ = _renewing.GetOrAdd(name, RenewAsync);
        return known;
    }

    /// <summary>One lookup, bounded by <see cref="Timeout"/> whoever waits for it; its result becomes the newest.</summary>
    private async Task<Resolved> RenewAsync(string name)
    {
        await Task.Yield();   // never done inside GetOrAdd, so the TryRemove below cannot come before the add
        long started = Stopwatch.GetTimestamp();
        var (_, result, problem) = await _resolver.ResolveAsync(name, Timeout, CancellationToken.None);
        var resolved = new Resolved(result, problem, Stopwatch.GetElapsedTime(started).TotalSeconds, Stopwatch.GetTimestamp());
        _known[name] = resolved;
        _renewing.TryRemove(name, out _);
        return resolved;
    }

    /// <summary>A round that did not end in time: no name is known to resolve.</summary>
    public void Unavailable(Readings readings)
    {
        foreach (string name in _names) readings.Set(_success, false, name);
    }
}
