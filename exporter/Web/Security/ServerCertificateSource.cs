using System.Net.Security;
using Microsoft.Extensions.Logging;
using XxExporter.Telemetry;

namespace XxExporter.Web.Security;

/// <summary>
/// The certificate TLS handshakes use, loaded at start and again when <c>cert_file</c> or <c>key_file</c> change
/// (a renewal by certbot or an operator needs no restart; the exporter-toolkit rereads them per connection too).
/// At most once a second a handshake looks at the two files' modification times and sizes; a new pair that does not
/// load (say, the certificate is written and the key not yet) keeps the old one serving and is tried again at the
/// next look, with one warning per change.
/// </summary>
internal sealed class ServerCertificateSource
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly string _configPath;
    private readonly TlsServerConfig _tls;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private SslStreamCertificateContext _current;
    private (FileStamp Cert, FileStamp Key) _loadedStamps;
    private (FileStamp Cert, FileStamp Key)? _failedStamps;
    private long _nextCheck;

    /// <summary>Loads the certificate now; throws <see cref="Settings.SettingsException"/> if it does not load.</summary>
    public ServerCertificateSource(string configPath, TlsServerConfig tls, TimeProvider time, ILogger logger)
    {
        _configPath = configPath;
        _tls = tls;
        _time = time;
        _logger = logger;
        _loadedStamps = Stamps();
        // Not disposed: the context uses the certificate for as long as it serves. A replaced one is left to the
        // GC, as handshakes in flight may still hold it.
        var certificate = ServerCertificate.Load(configPath, tls);
        _current = certificate.CreateContext();
        Log(certificate, reloaded: false);
        _nextCheck = time.GetTimestamp() + ToTimestamp(CheckInterval);
    }

    /// <summary>The certificate to present, reloaded first if its files changed.</summary>
    public SslStreamCertificateContext Current
    {
        get
        {
            long now = _time.GetTimestamp();
            if (now < Volatile.Read(ref _nextCheck)) return Volatile.Read(ref _current);
            lock (_lock)
            {
                if (now >= _nextCheck)
                {
                    _nextCheck = now + ToTimestamp(CheckInterval);
                    ReloadIfChanged();
                }
                return _current;
            }
        }
    }

    private void ReloadIfChanged()
    {
        var stamps = Stamps();
        if (stamps == _loadedStamps || stamps == _failedStamps) return;
        try
        {
            var certificate = ServerCertificate.Load(_configPath, _tls);
            Volatile.Write(ref _current, certificate.CreateContext());
            _loadedStamps = stamps;
            _failedStamps = null;
            Log(certificate, reloaded: true);
        }
        catch (Exception ex) when (ex is Settings.SettingsException or System.Security.Cryptography.CryptographicException)
        {
            // The message names the file and the problem, never its content.
            _failedStamps = stamps;
            _logger.LogWarning("TLS certificate not reloaded, still serving the previous one: {Problem}", ex.Message);
        }
    }

    private void Log(ServerCertificate certificate, bool reloaded)
    {
        var leaf = certificate.Leaf;
        if (leaf.NotAfter.ToUniversalTime() < _time.GetUtcNow().UtcDateTime)
        {
            _logger.LogWarning("TLS certificate {Subject} from {CertFile} expired at {NotAfter:u}; clients will refuse it",
                ForeignText.Text(leaf.Subject), _tls.CertFile, leaf.NotAfter.ToUniversalTime());
        }
        else
        {
            _logger.LogInformation("TLS certificate {Subject} {Action} from {CertFile}, valid until {NotAfter:u}",
                ForeignText.Text(leaf.Subject), reloaded ? "reloaded" : "loaded", _tls.CertFile, leaf.NotAfter.ToUniversalTime());
        }
    }

    private (FileStamp, FileStamp) Stamps() => (FileStamp.Of(_tls.CertFile), FileStamp.Of(_tls.KeyFile));

    private long ToTimestamp(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private readonly record struct FileStamp(DateTime Modified, long Length)
    {
        public static FileStamp Of(string path)
        {
            try
            {
                var info = new FileInfo(path);
                return info.Exists ? new FileStamp(info.LastWriteTimeUtc, info.Length) : default;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return default;
            }
        }
    }
}
