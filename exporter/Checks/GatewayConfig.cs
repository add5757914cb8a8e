using System.Collections.Concurrent;
using System.Text;
using XxExporter.Files;
using XxExporter.Settings;
using XxExporter.Telemetry;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace XxExporter.Checks;

/// <summary>What reading the gateway's YAML config found (docs/xx-node-facts.md, section 5).</summary>
internal enum GatewayConfigStatus { Ok, Missing, Unreadable, Invalid, NoAddress }

/// <summary>The gateway config's verdict and, when <see cref="GatewayConfigStatus.Ok"/>, the node address it names.</summary>
/// <param name="Problem">A sentence for the log naming the file and the cause; empty when Ok or Missing.</param>
internal sealed record GatewayConfigReading(GatewayConfigStatus Status, string Host = "", int Port = 0, string Problem = "")
{
    public string Address => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>
/// Finds the cMix node's address in the gateway's config: <c>cmixAddress</c>, or the older <c>nodeAddress</c> when
/// <c>cmixAddress</c> is not set, as the gateway itself reads them (keys in any letter case, as viper matches them).
/// </summary>
internal static class GatewayConfig
{
    /// <summary>The file is flat and uses no aliases; this only stops a hostile one from overflowing the stack.</summary>
    private const int MaxNesting = 32;

    private static readonly string[] AddressKeys = ["cmixAddress", "nodeAddress"];

    /// <summary>Each config file read, parsed again only when it changes (<see cref="ParsedFile{T}"/>); one per configured path.</summary>
    private static readonly ConcurrentDictionary<string, ParsedFile<GatewayConfigReading>> Files = new(StringComparer.Ordinal);

    public static GatewayConfigReading Read(string path)
    {
        try
        {
            return Files.GetOrAdd(path, file => new ParsedFile<GatewayConfigReading>(file, (content, _) => Parse(file, Encoding.UTF8.GetString(content).TrimStart('\uFEFF')))).Read();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return new(GatewayConfigStatus.Missing);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            string cause = ex is UnauthorizedAccessException ? "is not readable by this user" : $"cannot be read ({OneLine(ex.Message)})";
            return new(GatewayConfigStatus.Unreadable, Problem: $"the gateway config {path} {cause}");
        }
    }

    /// <summary>Reads the address from the config's text; <paramref name="path"/> only names the file in the problem.</summary>
    public static GatewayConfigReading Parse(string path, string text)
    {
        YamlStream yaml;
        try
        {
            yaml = BoundedYaml.Load(text, MaxNesting, problem => new RefusedYaml(problem));
        }
        catch (RefusedYaml ex)
        {
            return Invalid(path, $"is not read: {ex.Message}");
        }
        catch (YamlException ex)
        {
            return Invalid(path, $"is not valid YAML (line {ex.Start.Line}, column {ex.Start.Column}: {OneLine(ex.Message)})");
        }
        if (yaml.Documents.Count > 1) return Invalid(path, "holds more than one YAML document");
        var root = yaml.Documents.Count == 0 ? null : yaml.Documents[0].RootNode;
        if (root is null || root is YamlScalarNode { Value: null or "" })
            return NoAddress(path, "is empty: it names no cmixAddress");
        if (root is not YamlMappingNode top) return Invalid(path, $"does not hold key: value lines at the top (line {root.Start.Line})");

        foreach (string key in AddressKeys)
        {
            var entry = top.Children.FirstOrDefault(child => child.Key is YamlScalarNode { Value: { } name } && name.Equals(key, StringComparison.OrdinalIgnoreCase));
            if (entry.Key is null) continue;
            if (entry.Value is not YamlScalarNode { Value: { } value } || value.Trim().Length == 0)
                return NoAddress(path, $"sets {key} (line {entry.Key.Start.Line}) to no address");
            return HostPort(value.Trim()) is var (host, port)
                ? new(GatewayConfigStatus.Ok, host, port)
                : NoAddress(path, $"sets {key} (line {entry.Key.Start.Line}) to \"{ForeignText.Text(value)}\", which is not host:port with a port from 1 to 65535");
        }
        return NoAddress(path, "names no cmixAddress (the node's host:port)");
    }

    /// <summary><c>host:port</c>, <c>[v6]:port</c>; null if it is neither.</summary>
    public static (string Host, int Port)? HostPort(string address)
    {
        int colon = address.LastIndexOf(':');
        if (colon <= 0) return null;
        string host = address[..colon];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        else if (host.Contains(':')) return null; // an IPv6 address without brackets: where the port starts is ambiguous
        bool portOk = int.TryParse(address.AsSpan(colon + 1), System.Globalization.NumberStyles.None, null, out int port) && port is >= 1 and <= 65535;
        return host.Length > 0 && portOk && !host.Any(char.IsWhiteSpace) ? (host, port) : null;
    }

    private static GatewayConfigReading Invalid(string path, string problem) => new(GatewayConfigStatus.Invalid, Problem: $"the gateway config {path} {problem}");

    private static GatewayConfigReading NoAddress(string path, string problem) => new(GatewayConfigStatus.NoAddress, Problem: $"the gateway config {path} {problem}");

    /// <summary>A parser's message quotes the file (a key, a value): it goes into the log line by the rule for foreign text.</summary>
    private static string OneLine(string message) => ForeignText.Text(message.ReplaceLineEndings(" ").Trim().TrimEnd('.'));

    private sealed class RefusedYaml(string problem) : Exception(problem);
}
