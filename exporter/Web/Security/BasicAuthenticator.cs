using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace XxExporter.Web.Security;

/// <summary>What a credentials check decided.</summary>
public enum AuthOutcome
{
    Allowed,
    Denied,
    /// <summary>Not checked: bcrypt checks are already queued for this client, or for too many clients.</summary>
    Busy,
}

/// <summary>
/// Checks HTTP basic credentials against the web config's bcrypt hashes.
/// </summary>
/// <remarks>Why it caches successes and queues checks as it does: docs/design/web-security.md, "Basic authentication".</remarks>
public sealed class BasicAuthenticator
{
    public static readonly TimeSpan DefaultCacheDuration = TimeSpan.FromMinutes(5);

    /// <summary>Checks queued or running at once, over all clients: a bound on how long a scrape from another client waits.</summary>
    public const int MaxQueuedChecks = 16;

    private const int BcryptMaxPasswordBytes = 72;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Dictionary<string, string> _hashes;
    private readonly string _decoyHash;
    private readonly TimeProvider _time;
    private readonly long _cacheTicks;
    private readonly byte[] _cacheKey = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, CachedSuccess> _cache = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _bcrypt = new(1, 1);
    private readonly ConcurrentDictionary<string, byte> _queuedClients = new(StringComparer.Ordinal);
    private readonly Func<string, string, bool> _verify;

    private sealed record CachedSuccess(byte[] Mac, long Expires);

    /// <param name="users">User name to bcrypt hash, as in <see cref="WebConfig.BasicAuthUsers"/>; at least one.</param>
    /// <param name="time">Clock for the cache (tests pass their own).</param>
    /// <param name="cacheDuration">How long a successful check is remembered after its last use; zero remembers nothing.</param>
    /// <param name="verify">Checks a password against its hash: <see cref="Bcrypt"/> unless given.</param>
    public BasicAuthenticator(IReadOnlyDictionary<string, string> users, TimeProvider? time = null, TimeSpan? cacheDuration = null,
        Func<string, string, bool>? verify = null)
    {
        ArgumentNullException.ThrowIfNull(users);
        if (users.Count == 0) throw new ArgumentException("basic authentication needs at least one user", nameof(users));
        _hashes = new Dictionary<string, string>(users, StringComparer.Ordinal);
        _decoyHash = _hashes.OrderBy(u => u.Key, StringComparer.Ordinal).First().Value;
        _time = time ?? TimeProvider.System;
        var duration = cacheDuration ?? DefaultCacheDuration;
        if (duration < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(cacheDuration));
        _cacheTicks = (long)(duration.TotalSeconds * _time.TimestampFrequency);
        _verify = verify ?? Bcrypt;
    }

    /// <summary>
    /// Allowed when <paramref name="authorization"/> (the Authorization header's value) carries <c>Basic</c> credentials
    /// of a configured user with the right password.
    /// </summary>
    /// <param name="client">Who asks (the remote address): one queued bcrypt check per client.</param>
    public ValueTask<AuthOutcome> IsAuthorizedAsync(string? authorization, string client = "", CancellationToken cancellationToken = default) =>
        TryParse(authorization, out string? user, out string? password)
            ? CheckAsync(user, password, client, cancellationToken)
            : ValueTask.FromResult(AuthOutcome.Denied);

    /// <summary>Allowed when <paramref name="password"/> is <paramref name="user"/>'s.</summary>
    /// <param name="client">Who asks (the remote address): one queued bcrypt check per client.</param>
    public ValueTask<AuthOutcome> CheckAsync(string user, string password, string client = "", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(password);
        if (Encoding.UTF8.GetByteCount(password) > BcryptMaxPasswordBytes) return ValueTask.FromResult(AuthOutcome.Denied);

        bool known = _hashes.TryGetValue(user, out string? hash);
        byte[] mac = Mac(user, password);
        long now = _time.GetTimestamp();
        if (known && _cache.TryGetValue(user, out var cached))
        {
            if (now < cached.Expires && CryptographicOperations.FixedTimeEquals(cached.Mac, mac))
            {
                _cache.TryUpdate(user, cached with { Expires = now + _cacheTicks }, cached);
                return ValueTask.FromResult(AuthOutcome.Allowed);
            }
            if (now >= cached.Expires) _cache.TryRemove(KeyValuePair.Create(user, cached));
        }
        // The count check and the add race only by a few places: the bound stays small either way.
        if (_queuedClients.Count >= MaxQueuedChecks || !_queuedClients.TryAdd(client, 0)) return ValueTask.FromResult(AuthOutcome.Busy);
        return CheckWithBcryptAsync(user, known, hash ?? _decoyHash, password, mac, client, cancellationToken);
    }

    private async ValueTask<AuthOutcome> CheckWithBcryptAsync(
        string user, bool known, string hash, string password, byte[] mac, string client, CancellationToken cancellationToken)
    {
        bool match;
        try
        {
            await _bcrypt.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                match = _verify(password, hash);
            }
            finally
            {
                _bcrypt.Release();
            }
        }
        finally
        {
            _queuedClients.TryRemove(client, out _);
        }
        if (!known || !match) return AuthOutcome.Denied;
        if (_cacheTicks > 0) _cache[user] = new CachedSuccess(mac, _time.GetTimestamp() + _cacheTicks);
        return AuthOutcome.Allowed;
    }

    /// <summary>Whether <paramref name="password"/> is the one <paramref name="hash"/> (bcrypt) was made from; a malformed hash matches nothing.</summary>
    public static bool Bcrypt(string password, string hash)
    {
        try
        {
            // BCrypt.Net compares the computed hash with the stored one in constant time.
            return BCrypt.Net.BCrypt.Verify(password, hash);
        }
        catch (BCrypt.Net.SaltParseException)
        {
            return false;
        }
    }

    private byte[] Mac(string user, string password)
    {
        // Length-prefixed so that no two (user, password) pairs share an input.
        int userBytes = Encoding.UTF8.GetByteCount(user);
        var input = new byte[4 + userBytes + Encoding.UTF8.GetByteCount(password)];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(input, userBytes);
        Encoding.UTF8.GetBytes(user, input.AsSpan(4));
        Encoding.UTF8.GetBytes(password, input.AsSpan(4 + userBytes));
        byte[] mac = HMACSHA256.HashData(_cacheKey, input);
        CryptographicOperations.ZeroMemory(input);
        return mac;
    }

    /// <summary>Reads <c>Basic base64(user:password)</c> (RFC 7617; the scheme in any case, UTF-8 credentials).</summary>
    public static bool TryParse(string? authorization, out string user, out string password)
    {
        user = password = "";
        if (authorization is null) return false;
        var value = authorization.AsSpan().Trim();
        const string scheme = "Basic";
        if (value.Length <= scheme.Length || !value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || value[scheme.Length] != ' ')
            return false;
        var token = value[scheme.Length..].TrimStart(' ');
        if (token.Length == 0 || token.Length > 4096) return false;
        var bytes = new byte[token.Length / 4 * 3 + 3];
        if (!Convert.TryFromBase64Chars(token, bytes, out int length)) return false;
        string credentials;
        try
        {
            credentials = StrictUtf8.GetString(bytes, 0, length);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
        int colon = credentials.IndexOf(':');
        if (colon < 0) return false;
        user = credentials[..colon];
        password = credentials[(colon + 1)..];
        return true;
    }
}
