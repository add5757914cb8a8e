using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Prometheus;
using XxExporter.Files;
using XxExporter.Telemetry;

namespace XxExporter.Checks;

/// <summary>
/// The validity window of every certificate file a glob matches (the first certificate in each file). A file that
/// cannot be read or is no certificate is counted and logged (once per distinct error) and gets no series.
/// </summary>
internal sealed class CertificateCheck : IHostCheck
{
    private readonly string _glob;
    private readonly SweptSeries<Gauge.Child> _notAfter, _notBefore;
    private readonly Counter _readErrors;
    private readonly DistinctErrors _errors;
    private volatile IReadOnlyList<CertificateStatus> _status = [];

    public CertificateCheck(string glob, IMetricFactory factory, ILogger logger)
    {
        _glob = glob;
        // The file's base name is a bounded label: the files of one configured folder.
        _notAfter = new SweptSeries<Gauge.Child>(factory.CreateGauge("xx_tls_certificate_expiry_timestamp_seconds",
            "When the first certificate in the file expires (NotAfter), as Unix seconds.", ["file"]));
        _notBefore = new SweptSeries<Gauge.Child>(factory.CreateGauge("xx_tls_certificate_not_before_timestamp_seconds",
            "When the first certificate in the file becomes valid (NotBefore), as Unix seconds.", ["file"]));
        _readErrors = factory.CreateCounter("xx_tls_certificate_read_errors_total",
            "Certificate files that could not be read or held no certificate, counted at each check; the log names them.");
        _errors = new DistinctErrors(logger, "Certificate");
    }

    public IReadOnlyList<CertificateStatus> Status => _status;

    public Task<bool> ReadAsync(CancellationToken timeout) => Task.Run(Read, timeout);

    private bool Read()
    {
        var errors = new Dictionary<string, string>();
        var status = new List<CertificateStatus>();
        try
        {
            foreach (var file in FileMatch.Files(_glob).OrderBy(file => file.Name, StringComparer.Ordinal))
            {
                try
                {
                    using var certificate = X509CertificateLoader.LoadCertificate(SmallFile.ReadAllBytes(file.FullName));
                    status.Add(new CertificateStatus(file.Name, certificate.NotBefore.ToUniversalTime(), certificate.NotAfter.ToUniversalTime()));
                }
                catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
                {
                    errors[file.FullName] = ex.Message;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors[_glob] = ex.Message;
        }
        foreach (var certificate in status)
        {
            _notAfter.Set(certificate.NotAfter.ToUnixTimeSeconds(), certificate.File);
            _notBefore.Set(certificate.NotBefore.ToUnixTimeSeconds(), certificate.File);
        }
        _notAfter.Sweep();
        _notBefore.Sweep();
        _readErrors.Inc(errors.Count);
        _status = status;
        _errors.Report(errors);
        return errors.Count == 0;
    }

    public void Overdue(string error) => _errors.Fail(_glob, error);
}
