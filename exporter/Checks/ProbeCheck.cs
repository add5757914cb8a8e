using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Checks;

/// <summary>
/// Connects to each TCP endpoint, all at once, and closes the connection again. A target that refuses or does not
/// answer in time is a result (success 0, logged once until it answers again), not a failure of the check.
/// </summary>
internal sealed class ProbeCheck : IScrapeSource
{
    private readonly IReadOnlyList<ProbeTarget> _targets;
    private readonly Gauge _success, _duration;
    private readonly string _timedOut;

    /// <summary>Puts this source in <see cref="SourceRegistry.All"/> when the exporter loads (no list to keep by hand).</summary>
    [ModuleInitializer]
    internal static void Declare() => SourceRegistry.Declare(() => Registration);

    internal static readonly SourceRegistration Registration = HostChecks.Register("probes", "TCP connections to the endpoints of --checks.probes (xx_probe_*).", (settings, context) =>
        settings.Probes.Count > 0 ? new ProbeCheck(settings.Probes, settings.ProbeTimeout, context.Factory) : null);

    public ProbeCheck(IReadOnlyList<ProbeTarget> targets, TimeSpan timeout, IMetricFactory factory)
    {
        _targets = targets;
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
        foreach (var (target, seconds, error) in results)
        {
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

    private async Task<(ProbeTarget Target, double Seconds, string? Error)> ProbeAsync(ProbeTarget target, CancellationToken timeout)
    {
        long started = Stopwatch.GetTimestamp();
        string? error = null;
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(target.Host, target.Port, timeout);
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
