using System.Diagnostics;
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

    public async Task CollectAsync(Readings readings, CancellationToken timeout)
    {
        var lookups = await Task.WhenAll(_names.Select(async name =>
        {
            long started = Stopwatch.GetTimestamp();
            var (_, result, problem) = await _resolver.ResolveAsync(name, Timeout, timeout);
            return (name, result, problem, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }));
        foreach (var (name, result, problem, seconds) in lookups)
        {
            readings.Set(_success, result == ResolutionResult.Ok, name);
            Results.SetOne(readings, _result, result, name);
            readings.Set(_duration, seconds, name);
            if (result != ResolutionResult.Ok) readings.Notice(name, problem);
        }
    }

    /// <summary>A round that did not end in time: no name is known to resolve.</summary>
    public void Unavailable(Readings readings)
    {
        foreach (string name in _names) readings.Set(_success, false, name);
    }
}
