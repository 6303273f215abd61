using ReasonFlux.Training.Grpo;

namespace ReasonFlux.Training.Grpo.Tests;

public class GrpoPromptShardTests
{
    [Theory]
    [InlineData(8, 4, 4, 2)]   // one prompt per rank per update
    [InlineData(8, 4, 8, 2)]   // two
    [InlineData(12, 2, 4, 3)]  // three ranks
    [InlineData(6, 4, 16, 2)]  // one update holds all of a rank's prompts: contiguous halves
    [InlineData(8, 4, 6, 2)]   // updates cut groups: contiguous halves
    public void EveryPromptOnce_AndTheWorldsUpdateIsOneProcessUpdate(int prompts, int g, int updateSequences, int world)
    {
        var shares = Enumerable.Range(0, world).Select(r => GrpoPromptShard.Positions(prompts, g, updateSequences, r, world)).ToArray();
        Assert.Equal(Enumerable.Range(0, prompts), shares.SelectMany(s => s).Order());
        Assert.All(shares, s => Assert.Equal(prompts / world, s.Length));
        if (updateSequences % g != 0) return;
        // Rank r's update u holds its sequences [u·n, (u+1)·n); together they must be one process's update u, which
        // holds the global sequences [u·world·n, (u+1)·world·n) (n = a rank's update, at most all of its sequences).
        long n = Math.Min(updateSequences, (long)prompts / world * g);
        int updates = (int)((long)prompts / world * g / n);
        for (int u = 0; u < updates; u++)
        {
            var world_u = shares.SelectMany(s => Sequences(s, g).Skip((int)(u * n)).Take((int)n)).Order();
            var single_u = Enumerable.Range((int)(u * world * n), (int)(world * n));
            Assert.Equal(single_u, world_u);
        }
    }

    private static IEnumerable<int> Sequences(int[] prompts, int g) => prompts.SelectMany(p => Enumerable.Range(p * g, g));

    [Fact]
    public void OneRank_TakesEveryPromptInOrder() =>
        Assert.Equal(Enumerable.Range(0, 6), GrpoPromptShard.Positions(6, 4, 4, 0, 1));
}
