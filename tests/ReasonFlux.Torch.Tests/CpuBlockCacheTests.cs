using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Torch.Tests;

/// <summary>
/// The shim's cache of large CPU blocks is process-wide, so these run alone (another test's large tensor could take
/// the block in between).
/// </summary>
[Collection("LiveTensorCounts")]
public class CpuBlockCacheTests
{
    // 40 MiB of fp32: over the 32 MiB floor of what is cached.
    private static readonly long[] LargeShape = [10, 1 << 20];

    [Fact]
    public void LargeBlock_FreedThenRequestedAgain_IsTheSameMemory_AndZerosStillZero()
    {
        cpu_block_cache.release();
        nint first;
        using (var t = full(LargeShape, 7.0f))
            first = t.DataPointer();
        var held = cpu_block_cache.stats();
        Assert.True(held.CachedBytes >= 40L << 20, $"freed 40 MiB block not kept: {held}");

        using var again = zeros(LargeShape);
        var after = cpu_block_cache.stats();
        Assert.Equal(first, again.DataPointer());
        Assert.Equal(held.Hits + 1, after.Hits);
        // The reused block held 7s: a zeros() on it must still be all zeros.
        Assert.Equal(0f, again.abs().max().ToSingle());
    }

    [Fact]
    public void SmallBlocks_AreNotCached()
    {
        cpu_block_cache.release();
        var before = cpu_block_cache.stats();
        using (var t = ones([1 << 20])) Assert.Equal(1f, t.sum().ToSingle() / (1 << 20));
        var after = cpu_block_cache.stats();
        Assert.Equal(0, after.CachedBytes);
        Assert.Equal(before.Hits + before.Misses, after.Hits + after.Misses);
    }

    [Fact]
    public void ReleaseEmptiesTheCache_AndAZeroLimitFreesInsteadOfCaching()
    {
        var limit = cpu_block_cache.stats().LimitBytes;
        try
        {
            using (full(LargeShape, 1.0f)) { }
            Assert.True(cpu_block_cache.stats().CachedBlocks >= 1);
            cpu_block_cache.release();
            Assert.Equal((0L, 0L), (cpu_block_cache.stats().CachedBytes, cpu_block_cache.stats().CachedBlocks));

            cpu_block_cache.set_limit(0);
            using (full(LargeShape, 1.0f)) { }
            Assert.Equal((0L, 0L), (cpu_block_cache.stats().CachedBytes, cpu_block_cache.stats().CachedBlocks));
        }
        finally
        {
            cpu_block_cache.set_limit(limit);
        }
        Assert.Throws<TorchException>(() => cpu_block_cache.set_limit(-1));
    }

    [Fact]
    public void OverBudget_TheLeastRecentlyFreedBlockMakesRoom()
    {
        var limit = cpu_block_cache.stats().LimitBytes;
        const long MiB = 1L << 20;
        try
        {
            cpu_block_cache.release();
            cpu_block_cache.set_limit(100 * MiB);
            var a = empty([9, 1 << 20]);    // 36 MiB
            var b = empty([10, 1 << 20]);   // 40 MiB
            var c = empty([11, 1 << 20]);   // 44 MiB
            a.Dispose();
            b.Dispose();
            Assert.Equal((76 * MiB, 2L), (cpu_block_cache.stats().CachedBytes, cpu_block_cache.stats().CachedBlocks));
            c.Dispose();  // 120 MiB would be idle: the 36 MiB block, freed first, goes
            Assert.Equal((84 * MiB, 2L), (cpu_block_cache.stats().CachedBytes, cpu_block_cache.stats().CachedBlocks));

            var big = empty([26, 1 << 20]);  // 104 MiB: over the whole budget, never kept
            var before = cpu_block_cache.stats();
            big.Dispose();
            Assert.Equal(before.CachedBytes, cpu_block_cache.stats().CachedBytes);
        }
        finally
        {
            cpu_block_cache.set_limit(limit);
        }
    }

    [Fact]
    public void TrainingThroughLargeLogits_ReusesBlocksFromTheSecondStepOn()
    {
        // An LM head whose [N, V] logits are 64 MiB: every step frees and requests the same large blocks.
        using var g = new Generator(0);
        using var w = (randn([16384, 64], generator: g) * 0.02).requires_grad_(true);
        using var h = randn([1024, 64], generator: g);
        using var ids = randint(0, 16384, [1024], generator: g);
        void Step()
        {
            using var scope = NewDisposeScope();
            var loss = -nn.functional.lm_head_logprobs(h, w, ids).mean();
            loss.backward();
            w.grad!.zero_();
        }
        Step();
        var warm = cpu_block_cache.stats();
        for (int i = 0; i < 3; i++) Step();
        var after = cpu_block_cache.stats();
        Assert.True(after.Hits - warm.Hits >= 6, $"3 steps after warm-up took {after.Hits - warm.Hits} blocks from the cache: {warm} -> {after}");
        Assert.Equal(warm.Misses, after.Misses);
    }
}
