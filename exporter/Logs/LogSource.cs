using Microsoft.Extensions.Logging;
using Prometheus;
using XxExporter.Logs.Grammar;
using XxExporter.Logs.Rules;
using XxExporter.Logs.Tailing;
using XxExporter.Telemetry;

namespace XxExporter.Logs;

/// <summary>One followed log: its follower (I/O) wired to its pipeline and rules (parsing), and its collector health.</summary>
public sealed class LogSource(LogFile file, LogFollower follower, CollectorSeries health) : IDisposable
{
    public LogFile File { get; } = file;
    public LogFollower Follower { get; } = follower;
    public CollectorSeries Health { get; } = health;

    /// <summary>Builds a source for every configured log, registering their metrics on <paramref name="factory"/>.</summary>
    public static IReadOnlyList<LogSource> CreateAll(LogSettings settings, IMetricFactory factory, ExporterMetrics exporter,
        ILoggerFactory loggers, PositionStore? positions, bool startAtEnd, InstalledHashes? installed = null)
    {
        var logMetrics = new LogMetrics(factory);
        var options = new FollowerOptions(startAtEnd && !settings.FromStart, settings.MaxLineBytes);
        return settings.Files.Select(file =>
        {
            var series = logMetrics.For(file.Kind);
            var pipeline = new LogPipeline(file.Kind, series, CreateRules(file.Kind, factory, installed), new LocalTimeConverter(settings.TimeZone));
            var follower = new LogFollower(file.Path, pipeline, series, options,
                loggers.CreateLogger($"XxExporter.Logs.{file.Kind.Label()}"), positions?.Get(file.Path));
            return new LogSource(file, follower, exporter.Collector($"log_{file.Kind.Label()}"));
        }).ToList();
    }

    /// <param name="installed">Where the wrapper logs' installed hashes go, for the binaries source (null: nowhere).</param>
    public static ILogRules CreateRules(LogKind kind, IMetricFactory factory, InstalledHashes? installed = null) => kind switch
    {
        LogKind.Cmix => new CmixRules(factory),
        LogKind.Gateway => new GatewayRules(factory),
        _ => new WrapperRules(factory, kind.Service(), kind.Label(), installed),
    };

    /// <summary>
    /// One poll, reported as the collector's success and duration. I/O trouble is handled by the follower; anything
    /// else is a bug, logged and reported as a failed run so one log cannot stop the exporter.
    /// </summary>
    public void Poll(ILogger logger)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        bool ok;
        try
        {
            ok = Follower.Poll();
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Unexpected failure following {Path}", File.Path);
            ok = false;
        }
        Health.Report(ok, System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }

    public void Dispose() => Follower.Dispose();
}
