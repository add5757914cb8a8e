using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>The chain node's roles and whether it holds the validator's session keys, from <see cref="SessionKeysReader"/>.</summary>
public sealed class SessionKeysSeries(IMetricFactory factory)
{
    private readonly Gauge _role = Families.Gauge(factory, "xx_chain_node_role",
        "The roles the chain node runs as (system_nodeRoles: authority with --validator, else full); value 1. Absent if the node refuses the call.", "role");
    private readonly Gauge _keysSet = Families.Gauge(factory, "xx_validator_next_session_keys_set",
        "1 if the stash has session keys set on chain for the next session (Session.NextKeys), else 0.");
    private readonly Gauge _keysOnNode = Families.Gauge(factory, "xx_validator_session_keys_on_node",
        "1 if this chain node's keystore holds all of the stash's next session keys (author_hasSessionKeys), else 0; absent if the node refuses the call.", "stash");

    public void WriteRoles(Readings readings, IReadOnlyList<string> roles)
    {
        foreach (string role in roles) readings.Set(_role, 1, role);
    }

    public void WriteKeysSet(Readings readings, bool set) => readings.Set(_keysSet, set);

    public void WriteKeysOnNode(Readings readings, string stash, bool onNode) => readings.Set(_keysOnNode, onNode, stash);
}
