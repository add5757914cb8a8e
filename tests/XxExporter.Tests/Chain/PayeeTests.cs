using XxExporter.Chain;
using XxExporter.Chain.Scale;
using XxSimulator.Chain;

namespace XxExporter.Tests.Chain;

/// <summary>
/// Staking.Payee as runtime 207 stores it (pallet_staking::RewardDestination, a SCALE enum: the variant's index, then
/// its account for Account; paritytech/polkadot-sdk, substrate/frame/staking/src/lib.rs) and as the exporter labels it.
/// Alice's address is the polkadot-made one of Chain/Vectors/vectors.json.
/// </summary>
public sealed class PayeeTests
{
    private const string AliceKey = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";

    private static readonly StakingRuntime Runtime = new(legacy: false);

    [Theory]
    [InlineData("00", "staked", "")]
    [InlineData("01", "stash", "")]
    [InlineData("02", "controller", "")]
    [InlineData("03" + AliceKey, "account", "6a6XHUGV5mu33rX1vn3iivxxUR4hwoUapsuECGyHpPzfaNtt")]
    [InlineData("04", "none", "")]
    public void Each_reward_destination_decodes_to_its_labels(string encoded, string destination, string account)
    {
        var entry = Runtime.Metadata.Storage("Staking", "Payee");
        var payee = RewardPayee.Of(ScaleDecoder.Decode(Runtime.Metadata, entry.ValueType, Convert.FromHexString(encoded)));
        Assert.Equal(new RewardPayee(destination, account), payee);
    }

    [Fact]
    public void A_variant_index_the_runtime_does_not_have_is_a_decoding_error()
    {
        var entry = Runtime.Metadata.Storage("Staking", "Payee");
        Assert.Throws<ScaleDecodeException>(() => ScaleDecoder.Decode(Runtime.Metadata, entry.ValueType, [5]));
    }
}
