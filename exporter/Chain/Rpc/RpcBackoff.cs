namespace XxExporter.Chain.Rpc;

/// <summary>
/// Reconnects to <paramref name="endpoint"/> wait with exponential backoff after a lost or refused connection (1 s
/// doubling to 30 s); calls during the wait fail at once instead of piling up.
/// </summary>
internal sealed class RpcBackoff(Uri endpoint)
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private TimeSpan _backoff = TimeSpan.Zero;
    private DateTime _retryAfter = DateTime.MinValue;

    public void ThrowIfBackingOff()
    {
        var wait = _retryAfter - DateTime.UtcNow;
        if (wait > TimeSpan.Zero) throw new RpcUnavailableException($"{endpoint} unreachable; next attempt in {wait.TotalSeconds:0.#}s");
    }

    public void Connected() => _backoff = TimeSpan.Zero;

    public void Failed()
    {
        _backoff = _backoff == TimeSpan.Zero ? TimeSpan.FromSeconds(1) : TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, MaxBackoff.Ticks));
        _retryAfter = DateTime.UtcNow + _backoff;
    }
}
