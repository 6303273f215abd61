using System.Diagnostics;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Torch.Tests;

[CollectionDefinition("LiveTensorCounts", DisableParallelization = true)]
public class LiveTensorCountsCollection;

/// <summary>Run alone: they assert on the process-wide live-tensor count.</summary>
[Collection("LiveTensorCounts")]
public class LeakTests
{
    private sealed class TinyMlp : nn.Module
    {
        public readonly nn.Linear Up, Down;

        public TinyMlp(Generator g)
        {
            Up = RegisterModule("up", new nn.Linear(16, 32, generator: g));
            Down = RegisterModule("down", new nn.Linear(32, 1, generator: g));
        }

        public Tensor Forward(Tensor x) => Down.forward(Up.forward(x).silu());
    }

    [Fact]
    public void DisposeScope_DisposesTemporaries_ButNotMovedResults()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = TensorHandle.LiveCount;
        Tensor kept;
        using (var scope = NewDisposeScope())
        {
            var a = ones([3]);
            var b = a * 2 + 1;
            kept = (b * b).MoveToOuterDisposeScope();
            Assert.True(TensorHandle.LiveCount >= before + 4);
        }
        Assert.Equal(before + 1, TensorHandle.LiveCount);
        Assert.Equal([9f, 9f, 9f], kept.ToArray<float>());
        kept.Dispose();
        Assert.Equal(before, TensorHandle.LiveCount);
    }

    [Fact]
    public void TrainingSteps_TenThousand_LeaveLiveCountAtBaseline_AndRssBounded()
    {
        using var g = new Generator(0);
        using var model = new TinyMlp(g);
        using var opt = new optim.AdamW(model.parameters(), lr: 1e-3);
        using var x = randn([8, 16], generator: g);
        using var y = randn([8, 1], generator: g);
        // Tensors other tests left to the finalizer must not move the count while we measure.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseline = TensorHandle.LiveCount;
        long rssAfterWarmup = 0;
        double firstLoss = 0, lastLoss = 0;
        for (int step = 0; step < 10_000; step++)
        {
            using var scope = NewDisposeScope();
            var loss = (model.Forward(x) - y).pow(2).mean();
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            opt.step();
            opt.zero_grad();
            if (step == 0) firstLoss = loss.ToDouble();
            if (step == 9_999) lastLoss = loss.ToDouble();
            if (step == 1_000)
            {
                GC.Collect();
                rssAfterWarmup = Process.GetCurrentProcess().WorkingSet64;
            }
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal(baseline, TensorHandle.LiveCount);
        var growth = Process.GetCurrentProcess().WorkingSet64 - rssAfterWarmup;
        Assert.True(growth < 64L << 20, $"RSS grew by {growth >> 20} MiB over 9,000 steps");
        Assert.True(lastLoss < firstLoss * 0.5, $"loss did not fall: {firstLoss} -> {lastLoss}");
    }
}
