using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Checks;

/// <summary>How the gateway host's connection to its node went, as the <c>result</c> label of <c>xx_gateway_node_probe_result</c>.</summary>
internal enum NodeProbeResult { Ok, NameNotResolved, Refused, Timeout, Unreachable, Error }

/// <summary>
/// From the gateway host, what the gateway does to reach its cMix node: reads the node's address from the gateway's
/// config (<see cref="GatewayConfig"/>), resolves the name, then opens a TCP connection to it, each step bounded by
/// its own timeout; a scrape waits only for the connection. A node host has no gateway config: that is
/// <c>status="missing"</c> and no probe, never a warning.
/// Findings (a bad config, an unreachable node) are logged once until they change; the check itself still worked.
/// </summary>
internal sealed class GatewayNodeCheck : IScrapeSource
{
    private static readonly LabelTable<GatewayConfigStatus> Statuses = new(
        new(GatewayConfigStatus.Ok, "ok", "it names the node's host:port"),
        new(GatewayConfigStatus.Missing, "missing", "no file: normal on a host without a gateway"),
        new(GatewayConfigStatus.Unreadable, "unreadable"),
        new(GatewayConfigStatus.Invalid, "invalid", "not YAML key: value lines"),
        new(GatewayConfigStatus.NoAddress, "no_address", "no cmixAddress, or not host:port"));

    private static readonly LabelTable<NodeProbeResult> Results = new(
        new(NodeProbeResult.Ok, "ok"),
        new(NodeProbeResult.NameNotResolved, "name_not_resolved", "the node's name has no address or the resolver failed"),
        new(NodeProbeResult.Refused, "refused", "nothing listens on the port"),
        new(NodeProbeResult.Timeout, "timeout", "no answer: dropped by a firewall, or a stale address"),
        new(NodeProbeResult.Unreachable, "unreachable", "no route to the address"),
        new(NodeProbeResult.Error, "error"));

    private readonly string _path;
    private readonly TimeSpan _connectTimeout;
    private readonly BackgroundWork<string, GatewayConfigReading> _config;
    private readonly BackgroundWork<string, DnsCheck.Resolved> _lookup;
    private readonly Gauge _status, _success, _result, _duration;

    /// <summary>Puts this source in <see cref="SourceRegistry.All"/> when the exporter loads (no list to keep by hand).</summary>
    [ModuleInitializer]
    internal static void Declare() => SourceRegistry.Declare(() => Registration);

    internal static readonly SourceRegistration Registration = HostChecks.Register("gateway_node", "The node address in the gateway's config (--checks.gateway-config), resolved and connected to (xx_gateway_config_status, xx_gateway_node_*).", (settings, context) =>
        settings.GatewayConfig.Length > 0
            ? new GatewayNodeCheck(settings.GatewayConfig, settings.DnsTimeout, settings.ProbeTimeout, HostChecks.Resolver(context), context.Factory)
            : null);

    public GatewayNodeCheck(string path, TimeSpan resolveTimeout, TimeSpan connectTimeout, NameResolver resolver, IMetricFactory factory)
    {
        (_path, _connectTimeout) = (path, connectTimeout);
        _config = new(path => Task.Run(() => GatewayConfig.Read(path)), TimeProvider.System);
        _lookup = DnsCheck.Lookups(resolver, resolveTimeout);
        _status = Families.Gauge(factory, "xx_gateway_config_status",
            $"1 for what reading the gateway's config found, 0 for the others: {Statuses.Describe()}.", "status");
        _success = Families.Gauge(factory, "xx_gateway_node_probe_success",
            "1 if the node address in the gateway's config (cmixAddress) resolved and accepted a TCP connection, else 0.");
        _result = Families.Gauge(factory, "xx_gateway_node_probe_result",
            $"1 for how the last connection to the gateway's node went, 0 for the others: {Results.Describe()}.", "result");
        _duration = Families.Gauge(factory, "xx_gateway_node_probe_duration_seconds",
            "How long resolving the node's name and connecting to it took, or took to fail.");
    }

    public string Name => "gateway_node";

    /// <summary>The connection at its longest: reading the config and resolving the name are not waited for.</summary>
    public TimeSpan Timeout => _connectTimeout;

    /// <summary>
    /// Reads the config and resolves the node's name in the background (<see cref="BackgroundWork{TVersion, TResult}"/>),
    /// reporting the last reading and the last lookup of its host, renewed as the DNS check renews its names: a
    /// resolver that does not answer, or a config that takes long to parse, holds no scrape. Until the first of each
    /// ends there are no series for it; the connection itself is made at each scrape.
    /// </summary>
    public async Task CollectAsync(Readings readings, CancellationToken timeout)
    {
        if (_config.Latest(_path, _ => true)?.Result is not { } config) return;   // read again after each scrape
        Statuses.SetOne(readings, _status, config.Status);
        if (config.Status != GatewayConfigStatus.Ok)
        {
            if (config.Problem.Length > 0) readings.Notice("config", config.Problem);
            return;
        }
        DnsCheck.Resolved resolved;
        if (IPAddress.TryParse(config.Host, out var address)) resolved = new(ResolutionResult.Ok, "", 0, [address]);
        else if (_lookup.Latest(config.Host, DnsCheck.Old) is { } lookup && lookup.Version == config.Host) resolved = lookup.Result;
        else return;
        long started = Stopwatch.GetTimestamp();
        var (result, problem) = resolved.Result == ResolutionResult.Ok
            ? await ConnectAsync(config.Host, resolved.Addresses, config.Port, timeout)
            : (NodeProbeResult.NameNotResolved, resolved.Problem);
        readings.Set(_duration, resolved.Seconds + Stopwatch.GetElapsedTime(started).TotalSeconds);
        readings.Set(_success, result == NodeProbeResult.Ok);
        Results.SetOne(readings, _result, result);
        if (result != NodeProbeResult.Ok) readings.Notice($"node {ForeignText.Label(config.Address)} (cmixAddress in {_path})", problem);
    }

    /// <summary>A round that did not end in time or threw: the node is not known to answer.</summary>
    public void Unavailable(Readings readings) => readings.Set(_success, false);

    private async Task<(NodeProbeResult Result, string Problem)> ConnectAsync(string host, IPAddress[] addresses, int port, CancellationToken cancel)
    {
        string where = IPAddress.TryParse(host, out _) ? "" : $" (it resolves to {string.Join(", ", addresses.Take(4))})";
        using var connect = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        connect.CancelAfter(_connectTimeout);
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(addresses, port, connect.Token);
            return (NodeProbeResult.Ok, "");
        }
        catch (OperationCanceledException)
        {
            return (NodeProbeResult.Timeout, $"no connection within {_connectTimeout.TotalSeconds:0.###}s{where}");
        }
        catch (SocketException ex)
        {
            var result = ex.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => NodeProbeResult.Refused,
                SocketError.TimedOut => NodeProbeResult.Timeout,
                SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.NetworkDown => NodeProbeResult.Unreachable,
                _ => NodeProbeResult.Error,
            };
            return (result, ex.Message + where);
        }
    }
}
