using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Prometheus;
using XxExporter.Files;
using XxExporter.Telemetry;

namespace XxExporter.Checks;

/// <summary>
/// The validity window of every certificate file a glob matches (the first certificate in each file). A file that
/// cannot be read or is no certificate is counted, fails the check (logged once per distinct error) and gets no series.
/// </summary>
internal sealed class CertificateCheck : IScrapeSource
{
    private readonly string _glob;
    private readonly Gauge _notAfter, _notBefore;
    private readonly Counter _readErrors;
    private long _readErrorCount; // reads of one source never overlap

    internal static readonly SourceRegistration Registration = HostChecks.Register("certificates", "Expiry of the certificates matching --checks.certificates (xx_tls_*).", (settings, context) =>
        settings.CertificateGlob.Length > 0 ? new CertificateCheck(settings.CertificateGlob, context.Factory) : null);

    public CertificateCheck(string glob, IMetricFactory factory)
    {
        _glob = glob;
        // The file's base name is a bounded label: the files of one configured folder.
        _notAfter = Families.Gauge(factory, "xx_tls_certificate_expiry_timestamp_seconds",
            "When the first certificate in the file expires (NotAfter), as Unix seconds.", "file");
        _notBefore = Families.Gauge(factory, "xx_tls_certificate_not_before_timestamp_seconds",
            "When the first certificate in the file becomes valid (NotBefore), as Unix seconds.", "file");
        _readErrors = Families.Counter(factory, "xx_tls_certificate_read_errors_total",
            "Certificate files that could not be read or held no certificate, counted at each check; the log names them.");
    }

    public string Name => "certificates";

    public TimeSpan Timeout => HostChecks.FileTimeout;

    public Task CollectAsync(Readings readings, CancellationToken timeout) => Task.Run(() => Read(readings), timeout);

    private void Read(Readings readings)
    {
        try
        {
            foreach (var file in FileMatch.Files(_glob).OrderBy(file => file.Name, StringComparer.Ordinal))
            {
                try
                {
                    using var certificate = X509CertificateLoader.LoadCertificate(SmallFile.ReadAllBytes(file.FullName));
                    readings.Set(_notAfter, new DateTimeOffset(certificate.NotAfter.ToUniversalTime()).ToUnixTimeSeconds(), file.Name);
                    readings.Set(_notBefore, new DateTimeOffset(certificate.NotBefore.ToUniversalTime()).ToUnixTimeSeconds(), file.Name);
                }
                catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
                {
                    readings.Fail(file.FullName, ex.Message);
                    _readErrorCount++;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            readings.Fail(_glob, ex.Message);
            _readErrorCount++;
        }
        readings.Set(_readErrors, _readErrorCount);
    }
}
