using System.Buffers.Binary;
using XxSimulator.Chain;
using XxSimulator.Node;

namespace XxExporter.Tests.Simulator;

/// <summary>
/// The simulated era points as a real chain keeps them: every block gives its author the block points, and the rounds'
/// points come beside them, so XxNetworkRoundsStalled (the total's growth less block points × blocks) stays quiet
/// in both scenarios.
/// </summary>
public sealed class SimulatedChainPointsTests
{
    private static readonly DateTimeOffset ChainStarted = new(2023, 7, 26, 0, 0, 0, TimeSpan.Zero);
    private const uint BlockPoints = 130, RoundSuccessPoints = 10;   // the simulator's XXCmix.CmixVariables

    [Theory]
    [InlineData(Scenario.Healthy)]
    [InlineData(Scenario.Troubled)]
    public void The_era_total_grows_by_the_block_points_of_every_block_and_by_rounds_beside_them(Scenario scenario)
    {
        var chain = new SimulatedChain(scenario, TimeSpan.FromDays(1), ChainStarted, NodeIdentity.Stash, NodeIdentity.CmixId, new SimulatedBinaries(null));
        var early = chain.At(ChainStarted + TimeSpan.FromHours(1));
        var late = chain.At(ChainStarted + TimeSpan.FromHours(1.25));

        long blocks = late.Best - early.Best;
        double rounds = RewardTotal(late) - RewardTotal(early) - BlockPoints * blocks;
        Assert.Equal(15 * 60, blocks);   // one block a second
        Assert.True(rounds >= RoundSuccessPoints, $"the rounds added {rounds} points in 15 minutes: the network would look stalled");
        // And the blocks' share is in the total: an hour into the era it holds at least the points of its 3600 blocks.
        Assert.True(RewardTotal(early) >= BlockPoints * 3600, $"an hour into the era the total is {RewardTotal(early)}");
    }

    private static double RewardTotal(ChainView view) =>
        BinaryPrimitives.ReadUInt32LittleEndian(Convert.FromHexString(view.Storage[
            view.Runtime.Key("Staking", "ErasRewardPoints", ScaleEncoder.U32(SimulatedChain.FirstEra))][2..]));
}
