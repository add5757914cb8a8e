using XxExporter.Chain;
using XxExporter.Chain.Scale;

namespace XxExporter.Tests.Chain;

public class StorageKeysTests
{
    private static readonly byte[] Alice = Convert.FromHexString("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d");

    [Theory]
    // Prefixes: twox128(pallet) ‖ twox128(item) (docs/xx-node-facts.md §4.1), checked against System.Number and keys hard-coded in operator scripts.
    [InlineData("Staking", "ActiveEra", "5f3e4907f716ac89b6347d15ececedca487df464e44a534ba6b0cbb32407b587")]
    [InlineData("Staking", "ErasRewardPoints", "5f3e4907f716ac89b6347d15ececedca80cc6574281671b299c1727d7ac68cab")]
    [InlineData("Staking", "Ledger", "5f3e4907f716ac89b6347d15ececedca422adb579f1dbf4f3886c5cfa3bb8cc4")]
    [InlineData("Session", "Validators", "cec5070d609dd3497f72bde07fc96ba088dcde934c658227ee1dfafcd6e16903")]
    [InlineData("XXStakingExtension", "CmixIds", "b1b0e4cabe192ea75ac6c9002b6bcda75a1a8e2d4c1cfd1f6644d93f5be95bb6")]
    [InlineData("System", "Account", "26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9")]
    public void Plain_keys_are_twox128_of_pallet_and_item(string pallet, string item, string expected) =>
        Assert.Equal(expected, Convert.ToHexStringLower(StorageKeys.Plain(pallet, item)));

    [Fact]
    public void Twox64Concat_keeps_the_key_after_its_hash()
    {
        var entry = new StorageEntry("Staking", "ErasRewardPoints", false, [StorageHasher.Twox64Concat], 4, 5, []);
        Assert.Equal("5f3e4907f716ac89b6347d15ececedca80cc6574281671b299c1727d7ac68cabf10bc52fb6d756d72a000000",
            Convert.ToHexStringLower(StorageKeys.For(entry, StorageKeys.U32(42))));
    }

    [Fact]
    public void Blake2_128Concat_keeps_the_key_after_its_hash()
    {
        // System.Account(Alice), the best known key of all.
        var entry = new StorageEntry("System", "Account", false, [StorageHasher.Blake2_128Concat], 0, 1, []);
        Assert.Equal("26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9de1e86a9a8c739864cf3cc5ec2bea59f" + Convert.ToHexStringLower(Alice),
            Convert.ToHexStringLower(StorageKeys.For(entry, Alice)));
    }

    [Fact]
    public void Identity_keeps_the_key_as_it_is_and_the_other_hashers_have_their_sizes()
    {
        byte[] key = [1, 2, 3];
        Assert.Equal(key, StorageKeys.Hash(StorageHasher.Identity, key));
        Assert.Equal(16, StorageKeys.Hash(StorageHasher.Blake2_128, key).Length);
        Assert.Equal(32, StorageKeys.Hash(StorageHasher.Blake2_256, key).Length);
        Assert.Equal(16, StorageKeys.Hash(StorageHasher.Twox128, key).Length);
        Assert.Equal(32, StorageKeys.Hash(StorageHasher.Twox256, key).Length);
        // twox256 extends twox128 with seeds 2 and 3.
        Assert.Equal(StorageKeys.Hash(StorageHasher.Twox128, key), StorageKeys.Hash(StorageHasher.Twox256, key)[..16]);
    }

    [Fact]
    public void A_wrong_number_of_key_parts_is_refused()
    {
        var entry = new StorageEntry("Staking", "ErasStakers", false, [StorageHasher.Twox64Concat, StorageHasher.Twox64Concat], 4, 5, []);
        Assert.Throws<ArgumentException>(() => StorageKeys.For(entry, StorageKeys.U32(1)));
    }

    [Fact]
    public void Ss58_with_the_xx_prefix_round_trips()
    {
        Assert.Equal("6a6XHUGV5mu33rX1vn3iivxxUR4hwoUapsuECGyHpPzfaNtt", Ss58.Encode(Alice));
        Assert.Equal(Alice, Ss58.Decode("6a6XHUGV5mu33rX1vn3iivxxUR4hwoUapsuECGyHpPzfaNtt"));
    }

    [Theory]
    [InlineData("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", "network prefix 42")]   // Alice on the generic prefix
    [InlineData("6a6XHUGV5mu33rX1vn3iivxxUR4hwoUapsuECGyHpPzfaNtu", "bad checksum")]
    [InlineData("6a6XHUGV5mu33rX1vn3iivxxUR4hwoUapsuECGyHpPzfaN0t", "not base58")]
    [InlineData("6a6XHUGV", "not a 32-byte account address")]
    public void Bad_addresses_say_why(string address, string reason) =>
        Assert.Contains(reason, Assert.Throws<FormatException>(() => Ss58.Decode(address)).Message);
}
