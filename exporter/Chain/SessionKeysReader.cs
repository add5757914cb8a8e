using System.Runtime.InteropServices;
using System.Text.Json;
using XxExporter.Chain.Rpc;
using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>
/// What the node said about itself as a validator: its roles (null if it refused the call), whether the stash has
/// next session keys on chain, whether the node's keystore holds them (null if not asked or refused), and why a
/// series is left out (by method).
/// </summary>
public sealed record NodeKeys(IReadOnlyList<string>? Roles, bool KeysSet, string Stash, bool? KeysOnNode, IReadOnlyDictionary<string, string> Refusals)
    : IStakingFacts;

/// <summary>
/// Asks the chain node about itself as a validator: whether its keystore holds the stash's next session keys
/// (author_hasSessionKeys with the bytes of Session.NextKeys, read in the staking batch) and which roles it runs
/// as (system_nodeRoles, once per connection: roles change only with a restart). Both methods are unsafe RPC and
/// optional (<see cref="OptionalMethod{T}"/>): a node that refuses them, answers them with an error or with
/// anything but their answer is not asked again on that connection, says so in one log line, and their series
/// alone stay absent (docs/xx-node-facts.md §4.5). One request per collection in steady state.
/// </summary>
public sealed class SessionKeysReader(ChainConnection rpc, SessionKeysSeries series) : IStakingAddOn
{
    private readonly OptionalMethod<IReadOnlyList<string>> _roles = new(rpc, "system_nodeRoles", "xx_chain_node_role", Roles, oncePerConnection: true);
    private readonly OptionalMethod<bool> _hasKeys = new(rpc, "author_hasSessionKeys", "xx_validator_session_keys_on_node",
        answer => answer.Boolean("author_hasSessionKeys"));

    public Task<Func<CancellationToken, Task<IStakingFacts>>> AddAsync(StakingContext context, StorageBatch batch, CancellationToken token)
    {
        var nextKeys = batch.Item("Session", "NextKeys", context.Stash);
        return Task.FromResult<Func<CancellationToken, Task<IStakingFacts>>>(async cancel =>
        {
            var leftOut = new Dictionary<string, string>();
            var roles = await _roles.CallAsync([], leftOut, cancel);
            bool? onNode = null;
            if (nextKeys.Raw is { } keys && await _hasKeys.CallAsync([ChainState.HexOf(keys)], leftOut, cancel) is { Answered: true } held) onNode = held.Value;
            return new NodeKeys(roles.Answered ? roles.Value : null, nextKeys.Raw is not null, Ss58.Encode(context.Stash), onNode, leftOut);
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
