using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace XxExporter.Web.Security;

/// <summary>What a credentials check decided.</summary>
public enum AuthOutcome
{
    Allowed,
    Denied,
    /// <summary>Not checked: a bcrypt check is already queued for this client, or its lane's queue is full.</summary>
    Busy,
}

/// <summary>
/// Checks HTTP basic credentials against the web config's bcrypt hashes.
/// </summary>
/// <remarks>Why it caches successes and queues checks as it does: docs/design/web-security.md, "Basic authentication".</remarks>
public sealed class BasicAuthenticator
{
    public static readonly TimeSpan DefaultCacheDuration = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Checks queued or running at once in each lane (see <see cref="Lane"/>): a bound on how long a scrape from
    /// another client waits, and on the memory the queue holds.
    /// </summary>
    public const int MaxQueuedChecks = 16;

    /// <summary>How long a client whose check failed has its checks in the suspect lane.</summary>
    public static readonly TimeSpan SuspectFor = TimeSpan.FromMinutes(15);

    /// <summary>Clients whose failures are remembered at once; past that, the oldest failure is forgotten.</summary>
    public const int MaxRememberedFailures = 4096;

    /// <summary>
    /// Which queue a check waits in for bcrypt. Fresh: a configured user, from a client with no failed check in
    /// <see cref="SuspectFor"/>; suspect: every other. bcrypt takes a waiting fresh check before any suspect one, and a
    /// guesser is fresh for one check at most, so a known user's first login waits for the check running and the fresh
    /// checks ahead of it, never for a flood. Why: docs/design/web-security.md, "Basic authentication".
    /// </summary>
    private enum Lane { Fresh, Suspect }

    private const int BcryptMaxPasswordBytes = 72;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Dictionary<string, string> _hashes;
    private readonly string _decoyHash;
    private readonly TimeProvider _time;
    private readonly long _cacheTicks;
    private readonly long _suspectTicks;
    private readonly byte[] _cacheKey = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, CachedSuccess> _cache = new(StringComparer.Ordinal);
    private readonly BcryptTurns _bcrypt = new();
    private readonly Func<string, string, bool> _verify;

    // Admission, under _gate: the client of each queued or running check, how many each lane holds, and when each
    // client's last check failed.
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Lane> _queuedClients = new(StringComparer.Ordinal);
    private readonly int[] _queuedIn = new int[2];
    private readonly Dictionary<string, long> _lastFailure = new(StringComparer.Ordinal);

    private sealed record CachedSuccess(byte[] Mac, long Expires);

    /// <param name="users">User name to bcrypt hash, as in <see cref="WebConfig.BasicAuthUsers"/>; at least one.</param>
    /// <param name="time">Clock for the cache and for how long a failure is remembered (tests pass their own).</param>
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
        _suspectTicks = (long)(SuspectFor.TotalSeconds * _time.TimestampFrequency);
        _verify = verify ?? Bcrypt;
    }

    /// <summary>
    /// Allowed when <paramref name="authorization"/> (the Authorization header's value) carries <c>Basic</c> credentials
    /// of a configured user with the right password.
    /// </summary>
    /// <param name="client">Who asks (the remote address, see <see cref="ConnectionsPerAddress.Client"/>): one queued bcrypt check per client.</param>
    public ValueTask<AuthOutcome> IsAuthorizedAsync(string? authorization, string client = "", CancellationToken cancellationToken = default) =>
        TryParse(authorization, out string? user, out string? password)
            ? CheckAsync(user, password, client, cancellationToken)
            : ValueTask.FromResult(AuthOutcome.Denied);

    /// <summary>Allowed when <paramref name="password"/> is <paramref name="user"/>'s.</summary>
    /// <param name="client">Who asks (the remote address, see <see cref="ConnectionsPerAddress.Client"/>): one queued bcrypt check per client.</param>
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
        Lane lane;
        lock (_gate)
        {
            lane = known && !(_lastFailure.TryGetValue(client, out long failed) && now - failed < _suspectTicks) ? Lane.Fresh : Lane.Suspect;
            if (_queuedIn[(int)lane] >= MaxQueuedChecks || !_queuedClients.TryAdd(client, lane)) return ValueTask.FromResult(AuthOutcome.Busy);
            _queuedIn[(int)lane]++;
        }
        return CheckWithBcryptAsync(user, known, hash ?? _decoyHash, password, mac, client, lane, cancellationToken);
    }

    private async ValueTask<AuthOutcome> CheckWithBcryptAsync(
        string user, bool known, string hash, string password, byte[] mac, string client, Lane lane, CancellationToken cancellationToken)
    {
        bool allowed = false;
        bool checkedIt = false;
        try
        {
            await _bcrypt.EnterAsync(lane == Lane.Fresh, cancellationToken).ConfigureAwait(false);
            try
            {
                allowed = _verify(password, hash) && known;
                checkedIt = true;
            }
            finally
            {
                _bcrypt.Exit();
            }
        }
        finally
        {
            lock (_gate)
            {
                _queuedClients.Remove(client);
                _queuedIn[(int)lane]--;
                if (allowed) _lastFailure.Remove(client);
                else if (checkedIt) RememberFailure(client);
            }
        }
        if (!allowed) return AuthOutcome.Denied;
        if (_cacheTicks > 0) _cache[user] = new CachedSuccess(mac, _time.GetTimestamp() + _cacheTicks);
        return AuthOutcome.Allowed;
    }

    /// <summary>Under <see cref="_gate"/>.</summary>
    private void RememberFailure(string client)
    {
        long now = _time.GetTimestamp();
        if (_lastFailure.Count >= MaxRememberedFailures && !_lastFailure.ContainsKey(client))
        {
            // Full only under failures from thousands of clients at once, each of which took a bcrypt check.
            string oldest = _lastFailure.MinBy(failure => failure.Value).Key;
            _lastFailure.Remove(oldest);
        }
        _lastFailure[client] = now;
    }

    /// <summary>One bcrypt check at a time; a waiting fresh check goes before every waiting suspect one, each lane in order.</summary>
    private sealed class BcryptTurns
    {
        private readonly Lock _gate = new();
        private readonly LinkedList<TaskCompletionSource> _fresh = new(), _suspect = new();
        private bool _taken;

        public async Task EnterAsync(bool fresh, CancellationToken cancellationToken)
        {
            TaskCompletionSource turn;
            LinkedListNode<TaskCompletionSource> waiting;
            lock (_gate)
            {
                if (!_taken)
                {
                    _taken = true;
                    return;
                }
                turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                waiting = (fresh ? _fresh : _suspect).AddLast(turn);
            }
            using (cancellationToken.Register(() =>
                         {
                             // Given up while still waiting: it leaves the queue. Once handed the turn, it must Exit.
                             lock (_gate)
                             {
                                 if (waiting.List is { } queue && turn.TrySetCanceled(cancellationToken)) queue.Remove(waiting);
                             }
                         }))
            {
                await turn.Task.ConfigureAwait(false);
            }
        }

        public void Exit()
        {
            lock (_gate)
            {
                var next = _fresh.First ?? _suspect.First;
                if (next is null)
                {
                    _taken = false;
                    return;
                }
                next.List!.Remove(next);
                next.Value.SetResult();
            }
        }
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
