using Prometheus;
using XxExporter.Chain.Scale;
using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>
/// Where the stash's rewards are paid (Staking.Payee): the destination in lower case (staked, stash, controller,
/// account, none) and, for <c>account</c>, the account as SS58 (empty otherwise). Not read where the runtime has no
/// such item (up to 206 the xx fork always pays into the stash, staked), and no series where the stash has no entry.
/// </summary>
public sealed record RewardPayee(string Destination, string Account) : IStakingFacts
{
    /// <summary>
    /// A stored RewardDestination: the variant's name, and its account where it has one. A variant this exporter does
    /// not know keeps its name (the label goes by the rule for foreign text, as every label does).
    /// </summary>
    public static RewardPayee Of(ScaleValue destination)
    {
        if (destination is not ScaleVariant variant) throw new ScaleDecodeException($"Staking.Payee is {destination}, not a RewardDestination");
        string account = variant.Fields.Count == 1 ? Ss58.Encode(variant.Fields[0].Value.Bytes) : "";
        return new RewardPayee(variant.Name.ToLowerInvariant(), account);
    }
}

/// <summary>
/// The stash's reward destination (Staking.Payee, read in the staking read's batch where the runtime has it: from
/// 207), as labels: a new value is a new series, so a change shows in Prometheus whatever the exporter remembers
/// (docs/metrics.md, "Chain and staking").
/// </summary>
public sealed class PayeeReader(IMetricFactory factory) : IStakingAddOn
{
    private sealed record NoPayee : IStakingFacts;

    private readonly Gauge _payee = Families.Gauge(factory, "xx_validator_payee_info",
        "Where the stash's rewards are paid (Staking.Payee, runtime 207 on; absent where the runtime always pays the stash): destination staked, stash, controller, account (to the account label, SS58) or none; value 1.",
        "destination", "account");

    public Task<Func<CancellationToken, Task<IStakingFacts>>> AddAsync(StakingContext context, StorageBatch batch, CancellationToken token)
    {
        var payee = context.State.Has("Staking", "Payee") ? batch.Item("Staking", "Payee", context.Stash) : null;
        return Task.FromResult<Func<CancellationToken, Task<IStakingFacts>>>(_ =>
            Task.FromResult<IStakingFacts>(payee?.Value is { } value ? RewardPayee.Of(value) : new NoPayee()));
    }

    public void Write(Readings readings, IStakingFacts facts)
    {
        if (facts is RewardPayee payee) readings.Set(_payee, 1, payee.Destination, payee.Account);
    }
}
