using Microsoft.Extensions.Logging;
using Prometheus;
using XxExporter.Chain;
using XxExporter.Telemetry;

namespace XxExporter.Checks;

/// <summary>The node ID from cmix-IDF.json as the dashboard shows it. No IDF is no error: a gateway host has none.</summary>
internal sealed class IdentityCheck : IHostCheck
{
    private static readonly Dictionary<string, string> NoErrors = new();
    private readonly string _path;
    private readonly SweptSeries<Gauge.Child> _info;
    private readonly DistinctErrors _errors;
    private volatile NodeIdentity? _node;

    public IdentityCheck(string path, IMetricFactory factory, ILogger logger)
    {
        _path = path;
        // One series per host, so the ID is a fair label here (the node's metrics never carry it).
        _info = new SweptSeries<Gauge.Child>(factory.CreateGauge("xx_node_info",
            "The node's ID from its IDF, as the xx dashboard shows it (node_id) and in its links (node_id_url); value 1.", ["node_id", "node_id_url"]));
        _errors = new DistinctErrors(logger, "Identity file");
    }

    public NodeIdentity? Node => _node;

    public Task<bool> ReadAsync(CancellationToken timeout) => Task.Run(Read, timeout);

    private bool Read()
    {
        NodeIdentity? node = null;
        string? error = null;
        try
        {
            if (CmixIdf.ReadNodeId(_path) is { } cmixId) node = NodeIdentity.FromCmixId(cmixId);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            error = ex.Message;
        }
        if (node is not null) _info.Set(1, node.NodeId, node.NodeIdUrl);
        _info.Sweep();
        _node = node;
        _errors.Report(error is null ? NoErrors : new Dictionary<string, string> { [_path] = error });
        return error is null;
    }

    public void Overdue(string error) => _errors.Fail(_path, error);
}
