using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Checks;

/// <summary>
/// Connects to each TCP endpoint, all at once, and closes the connection again. A target that refuses or does not
/// answer in time is a result (success 0, logged once until it answers again), not a failure of the check. A target
/// given by name is connected to at the addresses of its last lookup, made in the background as the DNS check makes
/// them (a resolver that does not answer holds no scrape); it has no series until its first lookup ends.
/// </summary>
internal sealed class ProbeCheck : IScrapeSource
{
    private readonly IReadOnlyList<ProbeTarget> _targets;
    private readonly Dictionary<string, BackgroundWork<string, DnsCheck.Resolved>> _lookups;
    private readonly Gauge _success, _duration;
    private readonly string _timedOut;

    /// <summary>Puts this source in <see cref="SourceRegistry.All"/> when the exporter loads (no list to keep by hand).</summary>
    [ModuleInitializer]
    internal static void Declare() => SourceRegistry.Declare(() => Registration);

    internal static readonly SourceRegistration Registration = HostChecks.Register("probes", "TCP connections to the endpoints of --checks.probes (xx_probe_*).", (settings, context) =>
        settings.Probes.Count > 0
            ? new ProbeCheck(settings.Probes, settings.ProbeTimeout, HostChecks.Resolver(context), settings.DnsTimeout, context.Factory)
            : null);

    public ProbeCheck(IReadOnlyList<ProbeTarget> targets, TimeSpan timeout, NameResolver resolver, TimeSpan resolveTimeout, IMetricFactory factory)
    {
        _targets = targets;
        _lookups = targets.Select(target => target.Host).Where(host => !IPAddress.TryParse(host, out _)).Distinct(StringComparer.OrdinalIgnoreCase)
            .ToDictionary(host => host, _ => DnsCheck.Lookups(resolver, resolveTimeout), StringComparer.OrdinalIgnoreCase);
        Timeout = timeout;
        _timedOut = $"no connection within {timeout.TotalSeconds:0.###}s";
        _success = Families.Gauge(factory, "xx_probe_success", "1 if the last TCP connection to the target succeeded, else 0.", "target");
        _duration = Families.Gauge(factory, "xx_probe_duration_seconds",
            "How long the last TCP connection to the target took to open, or to fail or time out.", "target");
    }

    public string Name => "probes";

    /// <summary>The probe timeout: it cancels the connection attempts still open.</summary>
    public TimeSpan Timeout { get; }

    public async Task CollectAsync(Readings readings, CancellationToken timeout)
    {
        var results = await Task.WhenAll(_targets.Select(target => ProbeAsync(target, timeout)));
        foreach (var probed in results)
        {
            if (probed is not var (target, seconds, error)) continue;
            readings.Set(_success, error is null, target.Name);
            readings.Set(_duration, seconds, target.Name);
            if (error is not null) readings.Notice($"{target.Name} ({target.Host}:{target.Port})", error);
        }
    }

    /// <summary>A round that did not end in time or threw: no target is known to answer.</summary>
    public void Unavailable(Readings readings)
    {
        foreach (var target in _targets) readings.Set(_success, false, target.Name);
    }

    /// <summary>How connecting went; null for a name not looked up yet.</summary>
    private async Task<(ProbeTarget Target, double Seconds, string? Error)?> ProbeAsync(ProbeTarget target, CancellationToken timeout)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(target.Host, out var address)) addresses = [address];
        else if (_lookups[target.Host].Latest(target.Host, DnsCheck.Old)?.Result is not { } resolved) return null;
        else if (resolved.Result != ResolutionResult.Ok) return (target, resolved.Seconds, resolved.Problem);
        else addresses = resolved.Addresses;

        long started = Stopwatch.GetTimestamp();
        string? error = null;
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(addresses, target.Port, timeout);
        }
        catch (OperationCanceledException)
        {
            error = _timedOut;
        }
        catch (SocketException ex)
        {
            error = ex.Message;
        }
        return (target, Stopwatch.GetElapsedTime(started).TotalSeconds, error);
    }
}
