using System.Text.Json;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace XxExporter.Chain.Rpc;

/// <summary>
/// The one JSON-RPC connection to the chain node, over the configured endpoints in turn: an endpoint that never
/// connected (refused, unreachable, or hung at the first call) gives way to the next one from the next call on.
/// Every request is counted in <c>xx_chain_rpc_requests_total</c> as it is sent.
/// </summary>
public sealed class ChainConnection : IAsyncDisposable
{
    private readonly IReadOnlyList<Uri> _endpoints;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;
    private readonly Counter _requests;
    private readonly Lock _gate = new();
    private JsonRpcClient _client;
    private int _endpoint, _clients;

    public ChainConnection(IReadOnlyList<Uri> endpoints, TimeSpan timeout, IMetricFactory factory, ILogger logger)
    {
        _endpoints = endpoints;
        _timeout = timeout;
        _logger = logger;
        _requests = factory.CreateCounter("xx_chain_rpc_requests_total", "JSON-RPC requests the exporter sent to the chain node.");
        _client = Open();
    }

    /// <summary>The endpoint the next call goes to.</summary>
    public Uri Endpoint => _endpoints[_endpoint];

    /// <summary>Changes whenever a new connection opens (a reconnect, the next endpoint): what a node says about itself is asked once per connection.</summary>
    public (int Client, int Connection) Current => (_clients, _client.Connections);

    /// <summary>Calls <paramref name="method"/>; a call that fails on an endpoint that never connected moves the next call to the next endpoint.</summary>
    public async Task<JsonElement> CallAsync(string method, RpcParam[] parameters, CancellationToken token)
    {
        var client = _client;
        _requests.Inc();
        try
        {
            return await client.CallAsync(method, parameters, token);
        }
        catch (Exception ex) when (ex is RpcUnavailableException or OperationCanceledException && client.Connections == 0 && _endpoints.Count > 1)
        {
            await NextEndpointAsync(client);
            throw;
        }
    }

    private async Task NextEndpointAsync(JsonRpcClient failed)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_client, failed)) return; // a concurrent call moved on already
            _endpoint = (_endpoint + 1) % _endpoints.Count;
            _client = Open();
        }
        await failed.DisposeAsync();
    }

    private JsonRpcClient Open()
    {
        _clients++;
        return new JsonRpcClient(_endpoints[_endpoint], _timeout, _logger);
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();
}
