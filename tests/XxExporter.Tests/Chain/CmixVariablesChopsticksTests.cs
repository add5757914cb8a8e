using XxExporter.Chain;

namespace XxExporter.Tests.Chain;

/// <summary>
/// XXCmix.CmixVariables on the chopsticks chain: the real runtime's metadata (spec 200) and the value the mainnet
/// genesis stored (../shared/fixtures/xxchain), which no test sets: points 10 per round, 20 per failed round, 130 per
/// block; timeouts 30 s, 15 s and 3 s (stored as milliseconds).
/// </summary>
public sealed partial class ChopsticksTests
{
    [SkippableFact]
    public async Task The_genesis_cmix_points_and_timeouts_are_read_by_field_name()
    {
        var m = await Scrape(Ss58.Encode(StakingChain.Alice));
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"staking\"}"]);
        Assert.Equal(10, m["xx_chain_cmix_points{event=\"round_success\"}"]);
        Assert.Equal(20, m["xx_chain_cmix_points{event=\"round_failure\"}"]);
        Assert.Equal(130, m["xx_chain_cmix_points{event=\"block\"}"]);
        Assert.Equal(30, m["xx_chain_cmix_timeout_seconds{phase=\"precomputation\"}"]);
        Assert.Equal(15, m["xx_chain_cmix_timeout_seconds{phase=\"realtime\"}"]);
        Assert.Equal(3, m["xx_chain_cmix_timeout_seconds{phase=\"advertisement\"}"]);
    }
}
