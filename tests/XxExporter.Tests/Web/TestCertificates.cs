using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace XxExporter.Tests.Web;

/// <summary>Certificates made in the test, written as the PEM files an operator would have.</summary>
internal static class TestCertificates
{
    public const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    /// <summary>A self-signed ECDSA P-256 server certificate for 127.0.0.1 and localhost.</summary>
    public static X509Certificate2 SelfSignedEc(string name = "xx-exporter test", string eku = ServerAuth)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        AddServerExtensions(request, eku);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    /// <summary>A self-signed RSA 2048 server certificate.</summary>
    public static X509Certificate2 SelfSignedRsa()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=xx-exporter rsa test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        AddServerExtensions(request, ServerAuth);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    /// <summary>Root CA -> intermediate CA -> server certificate (with key).</summary>
    public static (X509Certificate2 Root, X509Certificate2 Intermediate, X509Certificate2 Leaf) Chain()
    {
        var now = DateTimeOffset.UtcNow;
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=xx test root", rootKey, HashAlgorithmName.SHA256);
        AddCaExtensions(rootRequest);
        var root = rootRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));

        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var intermediateRequest = new CertificateRequest("CN=xx test intermediate", intermediateKey, HashAlgorithmName.SHA256);
        AddCaExtensions(intermediateRequest);
        using var intermediatePublic = intermediateRequest.Create(root, now.AddMinutes(-4), now.AddDays(2), [1, 2, 3, 4]);
        var intermediate = intermediatePublic.CopyWithPrivateKey(intermediateKey);

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=xx-exporter chained", leafKey, HashAlgorithmName.SHA256);
        AddServerExtensions(leafRequest, ServerAuth);
        leafRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(intermediate, true, false));
        using var leafPublic = leafRequest.Create(intermediate, now.AddMinutes(-3), now.AddDays(1), [5, 6, 7, 8]);
        return (root, intermediate, leafPublic.CopyWithPrivateKey(leafKey));
    }

    private static void AddServerExtensions(CertificateRequest request, string eku)
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(eku)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
    }

    private static void AddCaExtensions(CertificateRequest request)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
    }

    /// <summary>Writes the certificate (then <paramref name="chain"/>) and its PKCS#8 private key as PEM files.</summary>
    public static void WritePem(X509Certificate2 certificate, string certFile, string keyFile, params X509Certificate2[] chain)
    {
        File.WriteAllText(certFile, string.Concat(new[] { certificate }.Concat(chain).Select(c => c.ExportCertificatePem() + "\n")));
        File.WriteAllText(keyFile, KeyPem(certificate) + "\n");
    }

    public static string KeyPem(X509Certificate2 certificate) =>
        (certificate.GetECDsaPrivateKey() as AsymmetricAlgorithm ?? certificate.GetRSAPrivateKey()
            ?? throw new InvalidOperationException("no private key")).ExportPkcs8PrivateKeyPem();
}
