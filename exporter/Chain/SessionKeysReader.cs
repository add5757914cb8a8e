using System.Text.Json;
using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>
/// Asks the chain node about itself as a validator: whether its keystore holds the stash's next session keys
/// (author_hasSessionKeys with the bytes of Session.NextKeys, read in the staking batch) and which roles it runs
/// as (system_nodeRoles, once per connection: roles change only with a restart). Both methods are unsafe RPC: a node
/// that refuses them (or answers them with any error) is not asked again on that connection, says so in one log
/// line, and its series stay absent (docs/xx-node-facts.md §4.5). One request per collection in steady state.
/// </summary>
public sealed class SessionKeysReader(ChainConnection rpc, SessionKeysSeries series) : IStakingAddOn
{
    private ((int, int) Connection, IReadOnlyList<string>? Roles, string? Refusal)? _roles;
    private ((int, int) Connection, string Refusal)? _keysRefused;

    public Task<Func<Readings, CancellationToken, Task>> AddAsync(StakingContext context, StorageBatch batch, CancellationToken token)
    {
        var nextKeys = batch.Item("Session", "NextKeys", context.Stash);
        return Task.FromResult<Func<Readings, CancellationToken, Task>>(async (readings, cancel) =>
        {
            var roles = await RolesAsync(readings, cancel);
            if (roles is not null) series.WriteRoles(readings, roles);
            series.WriteKeysSet(readings, nextKeys.Raw is not null);
            if (nextKeys.Raw is { } keys && await HasKeysAsync(readings, keys, cancel) is { } onNode) series.WriteKeysOnNode(readings, Ss58.Encode(context.Stash), onNode);
        });
    }

    private async Task<IReadOnlyList<string>?> RolesAsync(Readings readings, CancellationToken token)
    {
        var connection = rpc.Current;
        if (_roles is not { } known || known.Connection != connection)
        {
            try
            {
                _roles = (connection, Roles(await rpc.CallAsync("system_nodeRoles", [], token)), null);
            }
            catch (RpcErrorException ex)
            {
                _roles = (connection, null, Refusal("system_nodeRoles", "xx_chain_node_role", ex));
            }
        }
        if (_roles!.Value.Refusal is { } refusal) readings.Notice("system_nodeRoles", refusal);
        return _roles.Value.Roles;
    }

    private async Task<bool?> HasKeysAsync(Readings readings, byte[] keys, CancellationToken token)
    {
        var connection = rpc.Current;
        if (_keysRefused is not { } refused || refused.Connection != connection)
        {
            try
            {
                var answer = await rpc.CallAsync("author_hasSessionKeys", [ChainState.HexOf(keys)], token);
                return answer.ValueKind is JsonValueKind.True or JsonValueKind.False
                    ? answer.GetBoolean()
                    : throw new FormatException($"author_hasSessionKeys answered {answer.ValueKind}, not true or false");
            }
            catch (RpcErrorException ex)
            {
                _keysRefused = (connection, Refusal("author_hasSessionKeys", "xx_validator_session_keys_on_node", ex));
            }
        }
        readings.Notice("author_hasSessionKeys", _keysRefused!.Value.Refusal);
        return null;
    }

    /// <summary>
    /// The roles as the node names them, lower case: strings ("Authority", "Full") from a Substrate node, or the
    /// objects some implementations send ({"full": null}).
    /// </summary>
    public static IReadOnlyList<string> Roles(JsonElement answer)
    {
        if (answer.ValueKind != JsonValueKind.Array) throw new FormatException($"system_nodeRoles answered {answer.ValueKind}, not a list of roles");
        var roles = new List<string>();
        foreach (var role in answer.EnumerateArray())
        {
            string? name = role.ValueKind switch
            {
                JsonValueKind.String => role.GetString(),
                JsonValueKind.Object => role.EnumerateObject().Select(p => p.Name).FirstOrDefault(),
                _ => null,
            };
            if (name is not null && roles.Count < 4) roles.Add(Readings.Label(name.ToLowerInvariant()));
        }
        return roles.Distinct().ToList();
    }

    /// <summary>
    /// Why the series is left out: refused as unsafe (-32601 "RPC call is unsafe to be called externally"), not
    /// offered ("Method not found", as chopsticks), or any other error; none of them fails the staking read.
    /// </summary>
    private string Refusal(string method, string series, RpcErrorException ex) =>
        ex.Message.Contains("unsafe", StringComparison.OrdinalIgnoreCase)
            ? $"The chain node at {rpc.Endpoint} refuses {method} as an unsafe RPC method (it runs with --rpc-methods safe, or its RPC listens beyond loopback): "
              + $"start it with --rpc-methods unsafe and its RPC on 127.0.0.1 only (no --rpc-external or --ws-external), and point --chain.rpc-url at that loopback port; {series} is left out until then"
            : ex.Code == RpcErrorException.MethodNotFound || ex.Message.Contains("Method not found", StringComparison.OrdinalIgnoreCase)
                ? $"The chain node at {rpc.Endpoint} has no {method} ({ex.Message}): {series} is left out"
                : $"The chain node at {rpc.Endpoint} answers {method} with an error ({ex.Message}): {series} is left out until it reconnects";
}
