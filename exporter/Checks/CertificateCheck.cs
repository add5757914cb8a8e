using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Runtime.CompilerServices;
using Prometheus;
using XxExporter.Files;
using XxExporter.Telemetry;

namespace XxExporter.Checks;

/// <summary>
/// Every certificate file the configured patterns name (the first certificate in each file): its validity window, whether
/// it is in use (the October 2023 rotation keeps <c>old.gateway-cert.crt</c> and <c>new.gateway-cert.crt</c> beside the
/// active one), whether it is one of the identity certificates only xx can reissue, a short fingerprint of its public key
/// (to compare the gateway's certificate with the copy on its node's host) and whether it matches its key file. A file
/// that cannot be read or is no certificate is counted, fails the check (logged once per distinct error) and gets no
/// series; a pattern that names no file is reported, and logged once.
/// </summary>
internal sealed class CertificateCheck : IScrapeSource
{
    /// <summary>The node's and the gateway's own certificates, which xx registered with their identity.</summary>
    private static readonly string[] IdentityFiles = ["cmix-cert.crt", "gateway-cert.crt"];

    private static readonly LabelTable<CertificateState> States = new(
        new(CertificateState.Active, "active", "in use"),
        new(CertificateState.Pending, "pending", "new.*, waiting to replace the active one"),
        new(CertificateState.Retired, "retired", "old.*, kept after a rotation"));

    private readonly IReadOnlyList<string> _patterns;
    private readonly Gauge _notAfter, _notBefore, _info, _keyMatches, _patternFiles;
    private readonly Counter _readErrors;
    private long _readErrorCount; // reads of one source never overlap

    /// <summary>Each certificate file's first certificate, parsed again only when the file changes (an error is kept as its message).</summary>
    private readonly Dictionary<string, ParsedFile<(ParsedCertificate? Certificate, string? Error)>> _certificates = [];

    /// <summary>Each key file's public key (null: no key this reads), parsed again only when the file changes.</summary>
    private readonly Dictionary<string, ParsedFile<byte[]?>> _keys = [];

    /// <summary>Puts this source in <see cref="SourceRegistry.All"/> when the exporter loads (no list to keep by hand).</summary>
    [ModuleInitializer]
    internal static void Declare() => SourceRegistry.Declare(() => Registration);

    internal static readonly SourceRegistration Registration = HostChecks.Register("certificates",
        "The certificates --checks.certificates names: expiry, whether in use, identity, key fingerprint and match (xx_tls_*).", (settings, context) =>
        settings.CertificatePatterns.Count > 0 ? new CertificateCheck(settings.CertificatePatterns, context.Factory) : null);

    public CertificateCheck(IReadOnlyList<string> patterns, IMetricFactory factory)
    {
        _patterns = patterns;
        // The file's base name is a bounded label: the files of the configured folders; kind and state follow from it.
        _notAfter = Families.Gauge(factory, "xx_tls_certificate_expiry_timestamp_seconds",
            "When the first certificate in the file expires (NotAfter), as Unix seconds; kind and state as in xx_tls_certificate_info.",
            "file", "kind", "state");
        _notBefore = Families.Gauge(factory, "xx_tls_certificate_not_before_timestamp_seconds",
            "When the first certificate in the file becomes valid (NotBefore), as Unix seconds.", "file");
        _info = Families.Gauge(factory, "xx_tls_certificate_info",
            "One per certificate file, value 1. kind: identity (cmix-cert.crt, gateway-cert.crt: only xx can reissue them) or other; "
            + $"state: {States.Describe()}; public_key_fingerprint: the first 16 hex digits of the SHA-256 of its public key, to compare copies across hosts.",
            "file", "kind", "state", "public_key_fingerprint");
        _keyMatches = Families.Gauge(factory, "xx_tls_certificate_key_matches",
            "1 if the certificate's public key is that of its key file (X-key.key beside X-cert.crt), 0 if not; absent without a readable key file, and for retired ones.",
            "file");
        _patternFiles = Families.Gauge(factory, "xx_tls_certificate_pattern_files",
            "Files a pattern of --checks.certificates names; 0: it matches nothing (a wrong path or pattern).", "pattern");
        _readErrors = Families.Counter(factory, "xx_tls_certificate_read_errors_total",
            "Certificate files that could not be read or held no certificate, counted at each check; the log names them.");
    }

    public string Name => "certificates";

    public TimeSpan Timeout => HostChecks.FileTimeout;

    public Task CollectAsync(Readings readings, CancellationToken timeout) => Task.Run(() => Read(readings), timeout);

    private void Read(Readings readings)
    {
        var byName = new Dictionary<string, string>(StringComparer.Ordinal); // file label -> path, across patterns
        foreach (string pattern in _patterns)
        {
            List<FileInfo> files;
            try
            {
                files = FileMatch.Files(pattern).ToList();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                readings.Fail(pattern, ex.Message);
                _readErrorCount++;
                continue;
            }
            readings.Set(_patternFiles, files.Count, pattern);
            if (files.Count == 0) readings.Notice(pattern, "matches no file (--checks.certificates)");
            foreach (var file in files.OrderBy(file => file.Name, StringComparer.Ordinal))
            {
                if (byName.TryAdd(file.Name, file.FullName)) Read(readings, file);
                else if (byName[file.Name] != file.FullName)
                    readings.Fail(file.FullName, $"has the same name as {byName[file.Name]}, so only that one is reported (the file label is the name)");
            }
        }
        readings.Set(_readErrors, _readErrorCount);
        // Files gone (a rotation renames them) are forgotten, so what is kept follows what the patterns name now.
        var current = byName.Values.ToHashSet(StringComparer.Ordinal);
        foreach (string gone in _certificates.Keys.Where(path => !current.Contains(path)).ToList()) _certificates.Remove(gone);
        var keyFiles = current.Select(KeyFileOf).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (string gone in _keys.Keys.Where(key => !keyFiles.Contains(key)).ToList()) _keys.Remove(gone);
    }

    private void Read(Readings readings, FileInfo file)
    {
        ParsedCertificate certificate;
        try
        {
            if (!_certificates.TryGetValue(file.FullName, out var parsed))
                _certificates[file.FullName] = parsed = new(file.FullName, (content, _) => ParsedCertificate.Of(content));
            var (read, error) = parsed.Read();
            certificate = read ?? throw new CryptographicException(error);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            readings.Fail(file.FullName, ex.Message);
            _readErrorCount++;
            return;
        }
        var (state, kind) = (StateOf(file.Name), KindOf(file.Name));
        string stateLabel = States.Label(state);
        readings.Set(_notAfter, new DateTimeOffset(certificate.NotAfter).ToUnixTimeSeconds(), file.Name, kind, stateLabel);
        readings.Set(_notBefore, new DateTimeOffset(certificate.NotBefore).ToUnixTimeSeconds(), file.Name);
        readings.Set(_info, 1, file.Name, kind, stateLabel, Fingerprint(certificate.PublicKey));
        if (state != CertificateState.Retired && KeyFileOf(file) is { } keyFile) CompareKey(readings, file, certificate.PublicKey, keyFile);
    }

    private void CompareKey(Readings readings, FileInfo certificate, byte[] publicKey, string keyFile)
    {
        byte[]? keyPublic;
        try
        {
            if (!_keys.TryGetValue(keyFile, out var key))
                _keys[keyFile] = key = new(keyFile, (keyText, _) =>
                {
                    try { return PublicKeyOf(keyText); }
                    finally { CryptographicOperations.ZeroMemory(keyText); }
                });
            keyPublic = key.Read();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A private key readable only by the xx services is a sound setup: no comparison, and no failure of the check.
            readings.Notice(keyFile, $"cannot be read, so {certificate.Name} is not compared with it ({ex.Message})");
            return;
        }
        if (keyPublic is not null)
            readings.Set(_keyMatches, keyPublic.AsSpan().SequenceEqual(publicKey), certificate.Name);
        else
            readings.Notice(keyFile, $"holds no unencrypted RSA or EC private key, so {certificate.Name} is not compared with it");
    }

    /// <summary>The public key (SubjectPublicKeyInfo) of a PEM private key; null if it is no key this reads (encrypted, another algorithm).</summary>
    private static byte[]? PublicKeyOf(byte[] keyText)
    {
        char[] pem = Encoding.ASCII.GetChars(keyText);
        try
        {
            foreach (AsymmetricAlgorithm key in new AsymmetricAlgorithm[] { RSA.Create(), ECDsa.Create() })
            {
                using (key)
                {
                    try
                    {
                        key.ImportFromPem(pem);
                        return key.ExportSubjectPublicKeyInfo();
                    }
                    catch (Exception ex) when (ex is ArgumentException or CryptographicException) { }
                }
            }
            return null;
        }
        finally
        {
            Array.Clear(pem);
        }
    }

    /// <summary>The key file beside <c>X-cert.crt</c> (and <c>new.X-cert.crt</c>): <c>X-key.key</c> with the same prefix.</summary>
    private static string? KeyFileOf(FileInfo certificate) => KeyFileOf(certificate.FullName);

    private static string? KeyFileOf(string certificate) =>
        certificate.EndsWith("-cert.crt", StringComparison.Ordinal) ? certificate[..^"-cert.crt".Length] + "-key.key" : null;

    internal static CertificateState StateOf(string name) =>
        name.StartsWith("old.", StringComparison.Ordinal) ? CertificateState.Retired
        : name.StartsWith("new.", StringComparison.Ordinal) ? CertificateState.Pending
        : CertificateState.Active;

    internal static string KindOf(string name)
    {
        string unprefixed = StateOf(name) == CertificateState.Active ? name : name[4..];
        return IdentityFiles.Contains(unprefixed) ? "identity" : "other";
    }

    /// <summary>As <c>openssl x509 -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -c1-16</c> prints it.</summary>
    internal static string Fingerprint(byte[] subjectPublicKeyInfo) => Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo))[..16];
}

/// <summary>What the check reports of a certificate file's first certificate, kept until the file changes.</summary>
internal sealed record ParsedCertificate(DateTime NotBefore, DateTime NotAfter, byte[] PublicKey)
{
    public static (ParsedCertificate?, string?) Of(byte[] content)
    {
        try
        {
            using var certificate = X509CertificateLoader.LoadCertificate(content);
            return (new(certificate.NotBefore.ToUniversalTime(), certificate.NotAfter.ToUniversalTime(), certificate.PublicKey.ExportSubjectPublicKeyInfo()), null);
        }
        catch (CryptographicException ex)
        {
            return (null, ex.Message);
        }
    }
}

/// <summary>Whether a certificate file is in use, by its name's prefix.</summary>
internal enum CertificateState { Active, Pending, Retired }
