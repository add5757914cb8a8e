using System.Net;
using System.Net.Sockets;

namespace XxExporter.Checks;

/// <summary>Looks a name up (<see cref="Dns.GetHostAddressesAsync(string, CancellationToken)"/> in the exporter, a stand-in in tests).</summary>
internal delegate Task<IPAddress[]> Lookup(string name, CancellationToken cancel);

/// <summary>Why a name did not resolve, in the words of the <c>result</c> label of <c>xx_dns_resolution_result</c>.</summary>
internal enum ResolutionResult { Ok, NotFound, ResolverError, Timeout }

/// <summary>
/// Name lookups bounded by their timeout (the checks run them in the background, so no scrape waits for one). A lookup
/// is cancelled when its timeout passes and the caller stops waiting then in any case; one that goes on regardless
/// (the system resolver does not always heed the cancellation) is waited on again by the next lookup of the name
/// instead of starting another, so a resolver that hangs cannot pile up lookups.
/// </summary>
internal sealed class NameResolver(Lookup lookup)
{
    public static readonly NameResolver System = new(Dns.GetHostAddressesAsync);

    private readonly Dictionary<string, Task<IPAddress[]>> _pending = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The addresses of <paramref name="name"/>, or why there are none and a sentence saying so (without the name).</summary>
    public async Task<(IPAddress[] Addresses, ResolutionResult Result, string Problem)> ResolveAsync(string name, TimeSpan timeout, CancellationToken cancel)
    {
        Task<IPAddress[]> running;
        lock (_pending)
        {
            if (!_pending.TryGetValue(name, out running!) || running.IsCompleted) _pending[name] = running = Start(name, timeout);
        }
        try
        {
            var addresses = await running.WaitAsync(timeout, cancel);
            return addresses.Length > 0 ? (addresses, ResolutionResult.Ok, "")
                : ([], ResolutionResult.NotFound, "the name has no IPv4 or IPv6 address");
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            return ([], ResolutionResult.Timeout, $"no answer from the resolver within {timeout.TotalSeconds:0.###}s");
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData)
        {
            return ([], ResolutionResult.NotFound, $"the name does not resolve ({ex.Message})");
        }
        catch (Exception ex) when (ex is SocketException or ArgumentException)
        {
            return ([], ResolutionResult.ResolverError, $"the resolver failed: {ex.Message}");
        }
    }

    private Task<IPAddress[]> Start(string name, TimeSpan timeout)
    {
        var cancel = new CancellationTokenSource(timeout);
        var task = lookup(name, cancel.Token);
        // Dispose the timer once the lookup ends, and observe a failure nobody waits for any more.
        task.ContinueWith(done => { cancel.Dispose(); _ = done.Exception; }, TaskScheduler.Default);
        return task;
    }
}
