using System.Text;
using System.Text.RegularExpressions;
using XxExporter.Files;
using XxExporter.Settings;
using XxExporter.Telemetry;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace XxExporter.Web.Security;

/// <summary>
/// Reads a <see cref="WebConfig"/> from the exporter-toolkit YAML file and checks all of it at start: unknown or
/// unsupported keys, bcrypt hashes, and that the certificate and key load and belong together. Every problem is a
/// <see cref="SettingsException"/> whose one-line message names the file and the key
/// (<c>web config /etc/xx/web.yml: basic_auth_users.alice: not a bcrypt hash</c>); it never contains a hash or key.
/// </summary>
/// <remarks>Why it reads and refuses what it does: docs/design/web-security.md, "Reading the web config".</remarks>
public static partial class WebConfigLoader
{
    private const string Tls = "tls_server_config";
    private const string Users = "basic_auth_users";

    // Parts of the exporter-toolkit format that xx-exporter does not implement: named as such instead of "unknown".
    private static readonly string[] UnsupportedTopLevel = ["http_server_config", "rate_limit"];
    private static readonly string[] UnsupportedTls =
    [
        "cert", "key", "client_ca", "client_auth_type", "client_ca_file", "client_allowed_sans", "min_version", "max_version",
        "cipher_suites", "prefer_server_cipher_suites", "curve_preferences",
    ];

    /// <summary>The deepest nesting of mappings and sequences read (<see cref="BoundedYaml"/>); the real file has three levels.</summary>
    public const int MaxNesting = 32;

    public static WebConfig Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = Path.GetFullPath(path);
        string text;
        try
        {
            if (Directory.Exists(full)) throw Fail(path, "is a folder, not a file");
            text = Encoding.UTF8.GetString(SmallFile.ReadAllBytes(full)).TrimStart('\uFEFF');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Fail(path, FileProblem(ex));
        }

        YamlStream yaml;
        try
        {
            yaml = BoundedYaml.Load(text, MaxNesting, problem => Fail(path, problem));
        }
        catch (YamlException ex)
        {
            // YamlDotNet places a tab in the indentation at the start of the mapping; name the line holding it.
            if (ex.Message.Contains("tab", StringComparison.Ordinal) && FirstTabIndentedLine(text) is int line)
                throw Fail(path, $"invalid YAML at line {line}: a tab in the indentation (YAML indents with spaces only)");
            throw Fail(path, $"invalid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {OneLine(ex.Message)}");
        }
        if (yaml.Documents.Count > 1) throw Fail(path, "holds more than one YAML document");

        TlsServerConfig? tls = null;
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        var root = yaml.Documents.Count == 0 ? null : yaml.Documents[0].RootNode;
        if (IsNull(root)) return new WebConfig(path, null, users);
        if (root is not YamlMappingNode top)
            throw Fail(path, $"expected a mapping of {Tls} and {Users} at the top (line {root!.Start.Line})");

        foreach (var (keyNode, value) in top.Children)
        {
            string key = Key(path, null, keyNode);
            switch (key)
            {
                case Tls:
                    tls = ReadTls(path, Path.GetDirectoryName(full)!, value);
                    break;
                case Users:
                    ReadUsers(path, value, users);
                    break;
                default:
                    throw Array.IndexOf(UnsupportedTopLevel, key) >= 0
                        ? Fail(path, $"{key}: not supported by xx-exporter (supported: {Tls}, {Users})")
                        : Fail(path, $"unknown key \"{ForeignText.Text(key)}\" (line {keyNode.Start.Line}; known: {Tls}, {Users})");
            }
        }

        if (tls is not null)
        {
            // Load once now so a bad certificate or key stops the exporter at start, not at the first scrape.
            using var loaded = ServerCertificate.Load(path, tls);
        }
        return new WebConfig(path, tls, users);
    }

    private static TlsServerConfig? ReadTls(string path, string folder, YamlNode node)
    {
        if (IsNull(node)) return null;
        if (node is not YamlMappingNode map)
            throw Fail(path, $"{Tls}: expected a mapping with cert_file and key_file (line {node.Start.Line})");
        string? certFile = null, keyFile = null;
        foreach (var (keyNode, value) in map.Children)
        {
            string key = Key(path, Tls, keyNode);
            switch (key)
            {
                case "cert_file":
                    certFile = Scalar(path, $"{Tls}.{key}", value);
                    break;
                case "key_file":
                    keyFile = Scalar(path, $"{Tls}.{key}", value);
                    break;
                default:
                    throw Array.IndexOf(UnsupportedTls, key) >= 0
                        ? Fail(path, $"{Tls}.{key}: not supported by xx-exporter (supported: cert_file, key_file)")
                        : Fail(path, $"{Tls}: unknown key \"{ForeignText.Text(key)}\" (line {keyNode.Start.Line}; known: cert_file, key_file)");
            }
        }
        // As in the toolkit, a section with nothing set leaves TLS off; half of it is an error.
        if (string.IsNullOrEmpty(certFile) && string.IsNullOrEmpty(keyFile)) return null;
        if (string.IsNullOrEmpty(certFile)) throw Fail(path, $"{Tls}: cert_file is missing (key_file is set)");
        if (string.IsNullOrEmpty(keyFile)) throw Fail(path, $"{Tls}: key_file is missing (cert_file is set)");
        return new TlsServerConfig(Path.GetFullPath(certFile, folder), Path.GetFullPath(keyFile, folder));
    }

    private static void ReadUsers(string path, YamlNode node, Dictionary<string, string> users)
    {
        if (IsNull(node)) return;
        if (node is not YamlMappingNode map)
            throw Fail(path, $"{Users}: expected a mapping of user name to bcrypt hash (line {node.Start.Line})");
        foreach (var (keyNode, value) in map.Children)
        {
            string user = Key(path, Users, keyNode);
            if (user.Length == 0) throw Fail(path, $"{Users}: a user name is empty (line {keyNode.Start.Line})");
            // RFC 7617: the user-id cannot contain a colon, so such a user could never log in.
            if (user.Contains(':')) throw Fail(path, $"{Users}.{ForeignText.Text(user)}: a user name cannot contain ':'");
            if (value is not YamlScalarNode { Value: { } hash } || IsNull(value))
                throw Fail(path, $"{Users}.{ForeignText.Text(user)}: expected a bcrypt hash (line {value.Start.Line})");
            if (!IsBcryptHash(hash)) throw Fail(path, $"{Users}.{ForeignText.Text(user)}: not a bcrypt hash");
            users[user] = hash;
        }
    }

    /// <summary>
    /// A modular-crypt bcrypt hash as htpasswd (<c>$2y$</c>), Go and Python (<c>$2a$</c>, <c>$2b$</c>) write it:
    /// cost 4 to 31, 22 characters of salt and 31 of hash in bcrypt's base64 alphabet.
    /// </summary>
    public static bool IsBcryptHash(string value) => BcryptHash().IsMatch(value);

    [GeneratedRegex(@"^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}\z", RegexOptions.CultureInvariant)]
    private static partial Regex BcryptHash();

    private static int? FirstTabIndentedLine(string text)
    {
        string[] lines = text.ReplaceLineEndings("\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string indentation = lines[i][..(lines[i].Length - lines[i].TrimStart(' ', '\t').Length)];
            if (indentation.Contains('\t')) return i + 1;
        }
        return null;
    }

    private static string Key(string path, string? section, YamlNode node)
    {
        if (node is YamlScalarNode { Value: { } key }) return key;
        string where = section is null ? "" : $"{section}: ";
        throw Fail(path, $"{where}keys must be plain strings (line {node.Start.Line})");
    }

    private static string? Scalar(string path, string key, YamlNode node)
    {
        if (IsNull(node)) return null;
        if (node is YamlScalarNode { Value: { } value }) return value;
        throw Fail(path, $"{key}: expected a file name (line {node.Start.Line})");
    }

    /// <summary>An absent value: nothing after the colon, <c>~</c> or <c>null</c> (YAML 1.1 and 1.2 core schema).</summary>
    private static bool IsNull(YamlNode? node) =>
        node is null || node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } scalar
            && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    internal static string FileProblem(Exception ex) => ex switch
    {
        FileNotFoundException or DirectoryNotFoundException => "no such file",
        UnauthorizedAccessException => "not readable by this user",
        _ => $"cannot be read: {OneLine(ex.Message)}",
    };

    internal static SettingsException Fail(string path, string problem) => new($"web config {path}: {problem}");

    /// <summary>A parser's message quotes the file: it goes into the terminal line by the rule for foreign text.</summary>
    private static string OneLine(string message) => ForeignText.Text(message.ReplaceLineEndings(" ").Trim().TrimEnd('.'));
}
