namespace XxExporter.Web.Security;

/// <summary>
/// The <c>--web.config.file</c>, in the Prometheus exporter-toolkit format (the part xx-exporter supports):
/// serve HTTPS with a PEM certificate and key, and require HTTP basic authentication for every request.
/// Read and checked once at start by <see cref="WebConfigLoader.Load"/>.
/// </summary>
/// <param name="Path">The file as given (for messages).</param>
/// <param name="Tls">HTTPS settings; null serves plain HTTP.</param>
/// <param name="BasicAuthUsers">User name to bcrypt hash; empty requires no authentication.</param>
public sealed record WebConfig(string Path, TlsServerConfig? Tls, IReadOnlyDictionary<string, string> BasicAuthUsers)
{
    public bool BasicAuthEnabled => BasicAuthUsers.Count > 0;

    /// <summary>Names the users, never their hashes.</summary>
    public override string ToString() =>
        $"WebConfig {{ Path = {Path}, Tls = {(Tls is null ? "off" : Tls.ToString())}, BasicAuthUsers = [{string.Join(", ", BasicAuthUsers.Keys.Order(StringComparer.Ordinal))}] }}";
}

/// <summary><c>tls_server_config</c>: full paths of the PEM certificate (chain) and private key files.</summary>
/// <param name="CertFile">Server certificate, optionally followed by intermediate certificates (PEM).</param>
/// <param name="KeyFile">Its unencrypted private key (PEM: PKCS#8, PKCS#1 RSA or SEC1 EC).</param>
public sealed record TlsServerConfig(string CertFile, string KeyFile);
