using System.Runtime.InteropServices;
using System.Text.Json;
using XxExporter.Chain.Rpc;
using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>
/// Asks the chain node about itself as a validator: whether its keystore holds the stash's next session keys
/// (author_hasSessionKeys with the bytes of Session.NextKeys, read in the staking batch) and which roles it runs
/// as (system_nodeRoles, once per connection: roles change only with a restart). Both methods are unsafe RPC: a node
/// that refuses them (or answers them with any error) is not asked again on that connection, says so in one log
/// line, and its series stay absent (docs/xx-node-facts.md §4.5). One request per collection in steady state.
/// </summary>
/// <summary>
/// What the node said about itself as a validator: its roles (null if it refused the call), whether the stash has
/// next session keys on chain, whether the node's keystore holds them (null if not asked or refused), and why a
/// series is left out (by method).
/// </summary>
public sealed record NodeKeys(IReadOnlyList<string>? Roles, bool KeysSet, string Stash, bool? KeysOnNode, IReadOnlyDictionary<string, string> Refusals)
    : IStakingFacts;

public sealed class SessionKeysReader(ChainConnection rpc, SessionKeysSeries series) : IStakingAddOn
{
    private ((int, int) Connection, IReadOnlyList<string>? Roles, string? Refusal)? _roles;
    private ((int, int) Connection, string Refusal)? _keysRefused;

    public Task<Func<CancellationToken, Task<IStakingFacts>>> AddAsync(StakingContext context, StorageBatch batch, CancellationToken token)
    {
        var nextKeys = batch.Item("Session", "NextKeys", context.Stash);
        return Task.FromResult<Func<CancellationToken, Task<IStakingFacts>>>(async cancel =>
        {
            var refusals = new Dictionary<string, string>();
            var roles = await RolesAsync(refusals, cancel);
            bool? onNode = nextKeys.Raw is { } keys ? await HasKeysAsync(refusals, keys, cancel) : null;
            return new NodeKeys(roles, nextKeys.Raw is not null, Ss58.Encode(context.Stash), onNode, refusals);
        });
    }

    public void Write(Readings readings, IStakingFacts facts)
    {
        var keys = (NodeKeys)facts;
        foreach (var (method, refusal) in keys.Refusals) readings.Notice(method, refusal);
        if (keys.Roles is not null) series.WriteRoles(readings, keys.Roles);
        series.WriteKeysSet(readings, keys.KeysSet);
        if (keys.KeysOnNode is { } onNode) series.WriteKeysOnNode(readings, keys.Stash, onNode);
    }

    private async Task<IReadOnlyList<string>?> RolesAsync(Dictionary<string, string> refusals, CancellationToken token)
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
                _roles = (connection, null, ex.Refusal(rpc.Endpoint, "xx_chain_node_role"));
            }
        }
        if (_roles!.Value.Refusal is { } refusal) refusals["system_nodeRoles"] = refusal;
        return _roles.Value.Roles;
    }

    private async Task<bool?> HasKeysAsync(Dictionary<string, string> refusals, byte[] keys, CancellationToken token)
    {
        var connection = rpc.Current;
        if (_keysRefused is not { } refused || refused.Connection != connection)
        {
            try
            {
                return (await rpc.CallAsync("author_hasSessionKeys", [ChainState.HexOf(keys)], token)).Boolean("author_hasSessionKeys");
            }
            catch (RpcErrorException ex)
            {
                _keysRefused = (connection, ex.Refusal(rpc.Endpoint, "xx_validator_session_keys_on_node"));
            }
        }
        refusals["author_hasSessionKeys"] = _keysRefused!.Value.Refusal;
        return null;
    }

    /// <summary>
    /// The roles as the node names them, lower case: strings ("Authority", "Full") from a Substrate node, or the
    /// objects some implementations send ({"full": null}).
    /// </summary>
    public static IReadOnlyList<string> Roles(JsonElement answer)
    {
        var roles = new List<string>();
        foreach (var role in answer.Items("system_nodeRoles"))
        {
            string? name = role.ValueKind switch
            {
                JsonValueKind.String => role.Text("system_nodeRoles", ForeignText.LabelLength),
                JsonValueKind.Object => role.EnumerateObject().Select(p => ForeignText.FromJson(JsonMarshal.GetRawUtf8PropertyName(p), ForeignText.LabelLength)).FirstOrDefault(),
                _ => null,
            };
            if (name is not null && roles.Count < 4) roles.Add(name.ToLowerInvariant());
        }
        return roles.Distinct().ToList();
    }
}
