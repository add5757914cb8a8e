using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using XxExporter.Files;

namespace XxExporter.Web.Security;

/// <summary>
/// The server certificate with its private key and the intermediate certificates that follow it in
/// <c>cert_file</c>, ready for <see cref="System.Net.Security.SslStream"/>.
/// </summary>
internal sealed class ServerCertificate : IDisposable
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string AnyExtendedKeyUsageOid = "2.5.29.37.0";
    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcOid = "1.2.840.10045.2.1";

    private ServerCertificate(X509Certificate2 leaf, X509Certificate2Collection intermediates)
    {
        Leaf = leaf;
        Intermediates = intermediates;
    }

    public X509Certificate2 Leaf { get; }

    public X509Certificate2Collection Intermediates { get; }

    /// <summary>What SslStream sends: the leaf and the intermediates (never fetched from the network).</summary>
    public SslStreamCertificateContext CreateContext() => SslStreamCertificateContext.Create(Leaf, Intermediates, offline: true);

    /// <summary>
    /// Loads <paramref name="tls"/>'s files. Throws <see cref="Settings.SettingsException"/> naming the file and what is
    /// wrong with it; the message never holds file content.
    /// </summary>
    public static ServerCertificate Load(string configPath, TlsServerConfig tls)
    {
        string certKey = $"tls_server_config.cert_file {tls.CertFile}";
        string keyKey = $"tls_server_config.key_file {tls.KeyFile}";
        Exception Fail(string key, string problem) => WebConfigLoader.Fail(configPath, $"{key}: {problem}");

        var certificates = new List<X509Certificate2>();
        string certText = ReadText(tls.CertFile, text => Fail(certKey, text));
        foreach (var (label, data, _) in PemBlocks(certText))
        {
            if (label != "CERTIFICATE") continue;
            try
            {
                certificates.Add(X509CertificateLoader.LoadCertificate(data));
            }
            catch (CryptographicException)
            {
                int number = certificates.Count + 1;
                foreach (var certificate in certificates) certificate.Dispose();
                throw Fail(certKey, $"PEM certificate {number} cannot be read");
            }
        }
        if (certificates.Count == 0)
        {
            throw Fail(certKey, PemBlocks(certText).Any(b => IsPrivateKeyLabel(b.Label))
                ? "holds a private key but no certificate (cert_file and key_file swapped?)"
                : "no PEM certificate (-----BEGIN CERTIFICATE-----) in it");
        }
        var leaf = certificates[0];
        var intermediates = new X509Certificate2Collection(certificates.Skip(1).ToArray());
        X509Certificate2 withKey;
        try
        {
            if (leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is { } usage
                && usage.EnhancedKeyUsages.Cast<Oid>().All(oid => oid.Value is not (ServerAuthOid or AnyExtendedKeyUsageOid)))
            {
                throw Fail(certKey, "the certificate is not for TLS servers (its extended key usage lacks serverAuth)");
            }
            withKey = AttachKey(leaf, ReadText(tls.KeyFile, text => Fail(keyKey, text)), problem => Fail(keyKey, problem));
        }
        catch
        {
            foreach (var certificate in intermediates) certificate.Dispose();
            throw;
        }
        finally
        {
            leaf.Dispose(); // a copy of it holds the key
        }
        return new ServerCertificate(withKey, intermediates);
    }

    private static X509Certificate2 AttachKey(X509Certificate2 leaf, string keyText, Func<string, Exception> fail)
    {
        var blocks = PemBlocks(keyText).ToList();
        if (blocks.Any(b => b.Label == "ENCRYPTED PRIVATE KEY"))
            throw fail("the private key is encrypted; give it without a passphrase (e.g. openssl pkey -in key.pem -out plain.pem)");
        var keyBlocks = blocks.Where(b => IsPrivateKeyLabel(b.Label)).ToList();
        if (keyBlocks.Count == 0)
        {
            throw fail(blocks.Any(b => b.Label == "CERTIFICATE")
                ? "holds a certificate but no private key (cert_file and key_file swapped?)"
                : "no PEM private key (-----BEGIN PRIVATE KEY-----) in it");
        }
        if (keyBlocks.Count > 1) throw fail("holds more than one private key");
        string keyPem = keyBlocks[0].Pem;

        X509Certificate2 withKey;
        switch (leaf.PublicKey.Oid.Value)
        {
            case RsaOid:
            {
                using var rsa = RSA.Create();
                ImportKey(() => rsa.ImportFromPem(keyPem), fail);
                withKey = CopyWithKey(() => leaf.CopyWithPrivateKey(rsa), fail);
                break;
            }
            case EcOid:
            {
                using var ec = ECDsa.Create();
                ImportKey(() => ec.ImportFromPem(keyPem), fail);
                withKey = CopyWithKey(() => leaf.CopyWithPrivateKey(ec), fail);
                break;
            }
            default:
                throw fail($"the certificate's key type ({leaf.PublicKey.Oid.FriendlyName ?? leaf.PublicKey.Oid.Value}) is not supported; use RSA or ECDSA");
        }

        if (OperatingSystem.IsWindows())
        {
            // SChannel cannot use the ephemeral key CopyWithPrivateKey makes; a PKCS#12 round trip gives it a
            // usable one. OpenSSL (Linux) uses the ephemeral key as it is (the tests handshake with it).
            using (withKey)
            {
                return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
            }
        }
        return withKey;
    }

    private static void ImportKey(Action import, Func<string, Exception> fail)
    {
        try
        {
            import();
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw fail("the private key cannot be read, or is not of the certificate's key type");
        }
    }

    private static X509Certificate2 CopyWithKey(Func<X509Certificate2> copy, Func<string, Exception> fail)
    {
        try
        {
            return copy();
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw fail("does not match the certificate in cert_file");
        }
    }

    private static bool IsPrivateKeyLabel(string label) => label is "PRIVATE KEY" or "RSA PRIVATE KEY" or "EC PRIVATE KEY";

    private static string ReadText(string file, Func<string, Exception> fail)
    {
        try
        {
            if (Directory.Exists(file)) throw fail("is a folder, not a file");
            return Encoding.UTF8.GetString(SmallFile.ReadAllBytes(file)).TrimStart('\uFEFF');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw fail(WebConfigLoader.FileProblem(ex));
        }
    }

    /// <summary>The PEM blocks of a file in order (label, decoded bytes, the block's text); text between them is skipped.</summary>
    private static IEnumerable<(string Label, byte[] Data, string Pem)> PemBlocks(string text)
    {
        int offset = 0;
        while (offset < text.Length && PemEncoding.TryFind(text.AsSpan(offset), out var fields))
        {
            var span = text.AsSpan(offset);
            string label = span[fields.Label].ToString();
            var data = new byte[fields.DecodedDataLength];
            bool decoded = Convert.TryFromBase64Chars(span[fields.Base64Data], data, out int written);
            string pem = span[fields.Location].ToString();
            offset += fields.Location.End.Value;
            if (decoded && written == data.Length) yield return (label, data, pem);
        }
    }

    public void Dispose()
    {
        Leaf.Dispose();
        foreach (var certificate in Intermediates) certificate.Dispose();
    }
}
