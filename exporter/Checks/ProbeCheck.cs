using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Checks;

/// <summary>
/// Connects to each TCP endpoint, all at once, and closes the connection again. A target that refuses or does not
/// answer in time is a result (success 0), not a failure of the check.
/// </summary>
internal sealed class ProbeCheck : IHostCheck
{
    private readonly IReadOnlyList<ProbeTarget> _targets;
    private readonly Gauge.Child[] _success, _duration;
    private readonly DistinctErrors _errors;
    private readonly string _timedOut;
    private volatile IReadOnlyList<ProbeStatus> _status;

    public ProbeCheck(IReadOnlyList<ProbeTarget> targets, TimeSpan timeout, IMetricFactory factory, ILogger logger)
    {
        _targets = targets;
        _timedOut = $"no connection within {timeout.TotalSeconds:0.###}s";
        string[] names = targets.Select(t => t.Name).ToArray();
        _success = factory.CreateGauge("xx_probe_success", "1 if the last TCP connection to the target succeeded, else 0.", ["target"]).ChildrenFor(names);
        _duration = factory.CreateGauge("xx_probe_duration_seconds",
            "How long the last TCP connection to the target took to open, or to fail or time out.", ["target"]).ChildrenFor(names);
        _errors = new DistinctErrors(logger, "Probe");
        _status = targets.Select(t => new ProbeStatus(t.Name, false, 0)).ToList();
    }

    public IReadOnlyList<ProbeStatus> Status => _status;

    public async Task<bool> ReadAsync(CancellationToken timeout)
    {
        var results = await Task.WhenAll(_targets.Select(target => ProbeAsync(target, timeout)));
        var errors = new Dictionary<string, string>();
        for (int i = 0; i < results.Length; i++)
        {
            var (status, error) = results[i];
            _success[i].Set(status.Success ? 1 : 0);
            _duration[i].Set(status.DurationSeconds);
            if (error is not null) errors[Describe(_targets[i])] = error;
        }
        _status = results.Select(r => r.Status).ToList();
        _errors.Report(errors);
        return true;
    }

    private async Task<(ProbeStatus Status, string? Error)> ProbeAsync(ProbeTarget target, CancellationToken timeout)
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
        return (new ProbeStatus(target.Name, error is null, Stopwatch.GetElapsedTime(started).TotalSeconds), error);
    }

    public void Overdue(string error)
    {
        foreach (var success in _success) success.Set(0);
        _status = _status.Select(s => s with { Success = false }).ToList();
        _errors.Fail("round", error);
    }

    private static string Describe(ProbeTarget target) => $"{target.Name} ({target.Host}:{target.Port})";
}
