using System.Runtime.CompilerServices;
using Prometheus;
using XxExporter.Chain;
using XxExporter.Files;
using XxExporter.Telemetry;

namespace XxExporter.Checks;

/// <summary>
/// The node ID from cmix-IDF.json as the dashboard shows it, read again only when the file changes. No IDF is no
/// error: a gateway host has none.
/// </summary>
internal sealed class IdentityCheck : IScrapeSource
{
    private readonly ParsedFile<(NodeIdentity? Node, string? Problem)> _idf;
    private readonly Gauge _info;

    /// <summary>Puts this source in <see cref="SourceRegistry.All"/> when the exporter loads (no list to keep by hand).</summary>
    [ModuleInitializer]
    internal static void Declare() => SourceRegistry.Declare(() => Registration);

    internal static readonly SourceRegistration Registration = HostChecks.Register("identity", "The node ID in the IDF of --chain.idf-path (xx_node_info).", (settings, context) =>
        settings.IdfPath.Length > 0 ? new IdentityCheck(settings.IdfPath, context.Factory) : null);

    public IdentityCheck(string path, IMetricFactory factory)
    {
        _idf = new(path, (content, _) =>
        {
            try { return (NodeIdentity.FromCmixId(CmixIdf.NodeIdOf(path, content)), null); }
            catch (InvalidDataException ex) { return (null, ex.Message); }
        });
        // One series per host, so the ID is a fair label here (the node's metrics never carry it).
        _info = Families.Gauge(factory, "xx_node_info",
            "The node's ID from its IDF, as the xx dashboard shows it (node_id) and in its links (node_id_url); value 1.", "node_id", "node_id_url");
    }

    public string Name => "identity";

    public TimeSpan Timeout => HostChecks.FileTimeout;

    public Task CollectAsync(Readings readings, CancellationToken timeout) => Task.Run(() => Read(readings), timeout);

    private void Read(Readings readings)
    {
        try
        {
            var (node, problem) = _idf.Read();
            if (node is not null) readings.Set(_info, 1, node.NodeId, node.NodeIdUrl);
            else readings.Fail(problem!); // the message names the file
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // no IDF: a gateway host has none
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            readings.Fail(ex.Message); // the message names the file
        }
    }
}

/// <summary>The node ID as the xx dashboard shows it: base64 of the 32-byte cMix ID and the type byte 2 (node), 44 characters ending in C.</summary>
/// <param name="NodeIdUrl">The same in base64url (<c>/</c> as <c>_</c>, <c>+</c> as <c>-</c>), as dashboard links use it.</param>
internal sealed record NodeIdentity(string NodeId, string NodeIdUrl)
{
    private const byte NodeType = 2;

    public static NodeIdentity FromCmixId(byte[] cmixId)
    {
        string id = Convert.ToBase64String([.. cmixId, NodeType]);
        return new NodeIdentity(id, id.Replace('/', '_').Replace('+', '-'));
    }
}
