using System.Text;
using XxExporter.Binaries;
using XxExporter.Chain;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Chain;

/// <summary>XXCmix.CmixHashes on the chopsticks chain (real runtime, spec 200), set by dev_setStorage.</summary>
public sealed partial class StakingChain
{
    /// <summary>The server build the chain names; its gateway field names a build other than <see cref="InstalledGateway"/>.</summary>
    public static readonly byte[] InstalledServer = Encoding.UTF8.GetBytes("xxnetwork-cmix build 1\n"),
        InstalledGateway = Encoding.UTF8.GetBytes("xxnetwork-gateway build 1\n");

    private Task SetCmixHashesAsync()
    {
        string Hash(string field) => field switch
        {
            "server" => ChainState.HexOf(Blake2s.Hash(InstalledServer)),
            "gateway" => ChainState.HexOf(Blake2s.Hash(Encoding.UTF8.GetBytes("xxnetwork-gateway build 2\n"))),
            _ => ChainState.HexOf(Blake2s.Hash(Encoding.UTF8.GetBytes(field))),
        };
        string fields = string.Join(", ", CmixHashes.Fields.Select(field => $"\"{field}\": \"{Hash(field)}\""));
        return Node.SetStorage($$"""{"XXCmix": {"CmixHashes": { {{fields}}, "extra": null } } }""");
    }
}

public sealed partial class ChopsticksTests
{
    [SkippableFact]
    public async Task An_installed_binary_matches_its_chain_hash_and_one_behind_does_not()
    {
        string server = _folder.File("xxnetwork-cmix"), gateway = _folder.File("xxnetwork-gateway");
        File.WriteAllBytes(server, StakingChain.InstalledServer);
        File.WriteAllBytes(gateway, StakingChain.InstalledGateway);
        var (_, registry) = await Start(Ss58.Encode(StakingChain.Alice), binaries: $"server={server},gateway={gateway},wrapper={_folder.File("not-installed.py")}");
        // Files are hashed in the background: a later scrape reports both hashes.
        var m = await Exposition.Until(registry, m => m.Has("xx_binary_hash_matches_chain{binary=\"server\",source=\"file\"}")
            && m.Has("xx_binary_hash_matches_chain{binary=\"gateway\",source=\"file\"}"), TimeSpan.FromSeconds(30));
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"binaries\"}"]);
        Assert.Equal(1, m["xx_binary_hash_matches_chain{binary=\"server\",source=\"file\"}"]);
        Assert.Equal(0, m["xx_binary_hash_matches_chain{binary=\"gateway\",source=\"file\"}"]);
        Assert.Equal(0, m["xx_binary_behind_chain_seconds{binary=\"server\"}"]);
        Assert.True(m.Has("xx_binary_behind_chain_seconds{binary=\"gateway\"}"));
        Assert.Equal(0, m["xx_binary_installed{binary=\"wrapper\"}"]);
        Assert.False(m.Has("xx_binary_hash_matches_chain{binary=\"wrapper\",source=\"file\"}"));
    }
}
