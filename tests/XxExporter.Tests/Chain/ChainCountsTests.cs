using System.Text.Json;
using XxExporter.Chain;
using XxExporter.Chain.Rpc;

namespace XxExporter.Tests.Chain;

/// <summary>The one rule for counts a chain node supplies (<see cref="ChainCounts"/>), on tables of what nodes send.</summary>
public class ChainCountsTests
{
    [Theory]
    [InlineData(0u)]
    [InlineData(28u)]   // xx's BondingDuration
    [InlineData(84u)]   // xx's HistoryDepth
    [InlineData(ChainCounts.MaxEraWindow)]
    public void An_era_constant_a_chain_can_have_is_taken(uint eras) => Assert.Equal(eras, ChainCounts.EraWindow("Staking.HistoryDepth", eras));

    [Theory]
    [InlineData(ChainCounts.MaxEraWindow + 1)]
    [InlineData(30_000_000u)]
    [InlineData(uint.MaxValue)]
    public void An_era_constant_no_chain_has_is_a_node_fault_naming_it(uint eras)
    {
        var fault = Assert.Throws<ChainNodeFault>(() => ChainCounts.EraWindow("Staking.BondingDuration", eras));
        Assert.Contains($"Staking.BondingDuration of {eras} eras", fault.Message);
    }

    [Theory]
    [InlineData(42u, null)]      // no era planned yet
    [InlineData(42u, 42u)]       // the planned era is the active one
    [InlineData(42u, 43u)]       // the next era is planned
    [InlineData(30_000_000u, 30_000_001u)]
    public void Eras_a_chain_can_be_in_are_taken(uint active, uint? planned) => ChainCounts.CheckEras(active, planned);

    [Theory]
    [InlineData(42u, 41u)]
    [InlineData(30_000_000u, 1u)]
    [InlineData(30_000_000u, 0u)]
    public void A_planned_era_behind_the_active_one_is_a_node_fault(uint active, uint planned)
    {
        var fault = Assert.Throws<ChainNodeFault>(() => ChainCounts.CheckEras(active, planned));
        Assert.Contains($"CurrentEra {planned} is below ActiveEra {active}", fault.Message);
    }

    [Theory]
    [InlineData(0u, 0u, new uint[0])]
    [InlineData(5u, 3u, new uint[0])]                 // an end before the start: none
    [InlineData(40u, 43u, new uint[] { 40, 41, 42 })]
    [InlineData(29_999_999u, 30_000_000u, new uint[] { 29_999_999 })]
    public void Eras_run_from_the_first_up_to_the_end(uint first, uint end, uint[] eras) => Assert.Equal(eras, ChainCounts.Eras(first, end));

    [Fact]
    public void Eras_wider_than_any_window_are_a_bug_not_a_read() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ChainCounts.Eras(0, 30_000_000));

    [Theory]
    [InlineData(42u, 2u, new uint[] { 42, 41, 40 })]
    [InlineData(1u, 28u, new uint[] { 1, 0 })]        // near genesis: fewer
    [InlineData(uint.MaxValue, 1u, new uint[] { uint.MaxValue, uint.MaxValue - 1 })]
    public void Eras_back_end_at_the_last_newest_first(uint last, uint count, uint[] eras) => Assert.Equal(eras, ChainCounts.ErasBack(last, count));

    [Theory]
    [InlineData(15_000, 1_000, 1_000)]  // a node sending more than asked
    [InlineData(3, 1_000, 3)]
    [InlineData(0, 500, 0)]
    public void No_more_items_are_kept_than_asked_for(int sent, int asked, int kept)
    {
        var page = JsonDocument.Parse(JsonSerializer.Serialize(Enumerable.Range(0, sent).Select(i => $"0x{i:x8}"))).RootElement;
        var keys = ChainCounts.Asked(page.Items("state_getKeysPaged"), asked).ToList();
        Assert.Equal(kept, keys.Count);
        Assert.Equal(Enumerable.Range(0, kept).Select(i => $"0x{i:x8}"), keys.Select(k => k.GetString()));
    }

    [Theory]
    [InlineData("""{"startingBlock": 0, "currentBlock": 100, "highestBlock": 105}""", 105L)]
    [InlineData("""{"startingBlock": 0, "currentBlock": 100}""", null)]
    [InlineData("""{"highestBlock": 1e30}""", null)]
    [InlineData("""{"highestBlock": "105"}""", null)]
    public void A_sync_state_gives_its_highest_block_if_it_has_one(string answer, long? target) =>
        Assert.Equal(target, ChainReader.SyncTarget(JsonDocument.Parse(answer).RootElement));

    [Theory]
    [InlineData("[105]")]
    [InlineData("105")]
    [InlineData("null")]
    public void A_sync_state_that_is_no_object_is_no_answer_of_it(string answer) =>
        Assert.Throws<MalformedAnswerException>(() => ChainReader.SyncTarget(JsonDocument.Parse(answer).RootElement));
}
