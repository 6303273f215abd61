using ReasonFlux.Models;
using ReasonFlux.Models.Builtin;
using ReasonFlux.Models.Heads;
using ReasonFlux.Tests.Shared;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Rollout.Tests;

public sealed class RolloutEngineTests : IDisposable
{
    private readonly Qwen2ForCausalLM _model = PretrainedModel.LoadCausalLM(RepoPaths.TestData("models", "tiny-qwen2"));

    public void Dispose() => _model.Dispose();

    private static readonly int[][] Prompts = [[5, 17, 42, 8], [99, 3, 250, 11, 7, 60, 2], [1, 2], [200, 100, 50, 25, 12, 6]];

    /// <summary>Full-recompute reference: the whole sequence through the model, no cache.</summary>
    private float[] FullLogSoftmaxAt(int[] prompt, int[] generated, double temperature)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var all = prompt.Concat(generated).Select(x => (long)x).ToArray();
        var logits = _model.forward(tensor(all, [1, all.Length])).squeeze(0);
        var lp = (logits / temperature).log_softmax(-1);
        var v = (int)lp.size(1);
        var flat = lp.ToArray<float>();
        return generated.Select((tok, i) => flat[(prompt.Length - 1 + i) * v + tok]).ToArray();
    }

    [Fact]
    public void Greedy_EqualsRepeatedFullForwardArgmax()
    {
        var engine = new RolloutEngine(_model);
        var results = engine.Generate(Prompts, new SamplingParams { Temperature = 0, MaxNewTokens = 12 });
        using var _ = no_grad();
        foreach (var c in results)
        {
            var seq = c.PromptIds.ToList();
            for (int i = 0; i < c.TokenIds.Length; i++)
            {
                using var scope = NewDisposeScope();
                var logits = _model.forward(tensor(seq.Select(x => (long)x).ToArray(), [1, seq.Count]));
                var argmax = (int)logits.select(1, -1).argmax(-1).ToInt64();
                Assert.Equal(argmax, c.TokenIds[i]);
                seq.Add(argmax);
            }
            Assert.Equal(FinishReason.Length, c.FinishReason);
            Assert.Equal(12, c.TokenIds.Length);
        }
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.7)]
    public void SampledLogProbs_EqualFullForwardLogSoftmax(double temperature)
    {
        var engine = new RolloutEngine(_model);
        var results = engine.Generate(Prompts, new SamplingParams { Temperature = temperature, MaxNewTokens = 10, Seed = 3 }, samplesPerPrompt: 2);
        foreach (var c in results)
        {
            var expected = FullLogSoftmaxAt(c.PromptIds, c.TokenIds, temperature);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - c.LogProbs[i]) < 1e-4, $"token {i}: engine {c.LogProbs[i]}, full forward {expected[i]}");
        }
    }

    [Fact]
    public void TopK_OnlyEverDrawsFromTheKMostLikely_AndRenormalises()
    {
        var engine = new RolloutEngine(_model);
        var c = engine.Generate([Prompts[1]], new SamplingParams { Temperature = 1, TopK = 3, MaxNewTokens = 8, Seed = 9 })[0];
        using var _ = no_grad();
        var seq = c.PromptIds.ToList();
        for (int i = 0; i < c.TokenIds.Length; i++)
        {
            using var scope = NewDisposeScope();
            var logits = _model.forward(tensor(seq.Select(x => (long)x).ToArray(), [1, seq.Count])).select(1, -1).squeeze(0);
            var (values, idx) = logits.topk(3);
            var top = idx.ToArray<long>();
            Assert.Contains((long)c.TokenIds[i], top);
            var renormalised = values.log_softmax(-1).ToArray<float>()[Array.IndexOf(top, (long)c.TokenIds[i])];
            Assert.True(Math.Abs(renormalised - c.LogProbs[i]) < 1e-4);
            seq.Add(c.TokenIds[i]);
        }
    }

    [Fact]
    public void SameSeed_SameOutput_DifferentSeed_DifferentOutput()
    {
        var engine = new RolloutEngine(_model);
        var p = new SamplingParams { Temperature = 1, MaxNewTokens = 16, Seed = 11 };
        var a = engine.Generate(Prompts, p, 2);
        var b = engine.Generate(Prompts, p, 2);
        var c = engine.Generate(Prompts, p with { Seed = 12 }, 2);
        Assert.Equal(a.Select(x => x.TokenIds), b.Select(x => x.TokenIds));
        Assert.NotEqual(a.Select(x => string.Join(",", x.TokenIds)), c.Select(x => string.Join(",", x.TokenIds)));
        // Samples of one prompt differ from each other (each has its own stream).
        Assert.NotEqual(a[0].TokenIds, a[1].TokenIds);
    }

    [Fact]
    public void Batch_GivesSameResultsAsSequencesOneByOne()
    {
        var p = new SamplingParams { Temperature = 1, MaxNewTokens = 12, Seed = 5, StopTokenIds = [7, 13, 21] };
        var batched = new RolloutEngine(_model).Generate(Prompts, p, 3);
        var single = new RolloutEngine(_model, options: new RolloutEngineOptions { MaxBatchSize = 1 });
        for (int i = 0; i < Prompts.Length; i++)
        {
            // A lone prompt keeps its index so it draws from the same streams.
            var alone = single.Generate(Prompts.Select((x, j) => j == i ? x : [1]).ToArray(), p with { }, 3)
                .Where(x => x.PromptIndex == i).ToList();
            for (int s = 0; s < 3; s++)
            {
                Assert.Equal(alone[s].TokenIds, batched[i * 3 + s].TokenIds);
                Assert.Equal(alone[s].FinishReason, batched[i * 3 + s].FinishReason);
            }
        }
    }

    [Fact]
    public void PromptStreams_AShareOfTheBatchSamplesWhatTheWholeBatchDoes()
    {
        // What a data-parallel rank does: it generates prompts 1 and 3 of the global batch, naming their streams.
        var p = new SamplingParams { Temperature = 1, MaxNewTokens = 12, Seed = 4 };
        var whole = new RolloutEngine(_model).Generate(Prompts, p, 2);
        var share = new RolloutEngine(_model).Generate([Prompts[1], Prompts[3]], p, 2, promptStreams: [1, 3]);
        Assert.Equal(whole.Where(c => c.PromptIndex is 1 or 3).Select(c => c.TokenIds), share.Select(c => c.TokenIds));
        // Without the streams the share draws positions 0 and 1's numbers: other samples.
        var unnamed = new RolloutEngine(_model).Generate([Prompts[1], Prompts[3]], p, 2);
        Assert.NotEqual(share.Select(c => c.TokenIds), unnamed.Select(c => c.TokenIds));
        Assert.Throws<ArgumentException>(() => new RolloutEngine(_model).Generate([Prompts[1]], p, 2, promptStreams: [1, 3]));
    }

    [Fact]
    public void TokenBudget_SplitsIntoSeveralBatches_WithoutChangingResults()
    {
        var p = new SamplingParams { Temperature = 1, MaxNewTokens = 10, Seed = 8 };
        var big = new RolloutEngine(_model).Generate(Prompts, p, 4);
        var small = new RolloutEngine(_model, options: new RolloutEngineOptions { MaxBatchTokens = 40 }).Generate(Prompts, p, 4);
        Assert.Equal(big.Select(x => x.TokenIds), small.Select(x => x.TokenIds));
        Assert.Equal(16, big.Count);
    }

    [Fact]
    public void StopToken_EndsSequenceWithStopReason_AndIsKept()
    {
        var engine = new RolloutEngine(_model);
        var greedy = engine.Generate([Prompts[0]], new SamplingParams { Temperature = 0, MaxNewTokens = 12 })[0];
        var stopAt = greedy.TokenIds[4];
        var stopped = engine.Generate([Prompts[0]], new SamplingParams { Temperature = 0, MaxNewTokens = 12, StopTokenIds = [stopAt] })[0];
        Assert.Equal(FinishReason.Stop, stopped.FinishReason);
        var first = Array.IndexOf(greedy.TokenIds, stopAt);
        Assert.Equal(greedy.TokenIds[..(first + 1)], stopped.TokenIds);
    }

    [Fact]
    public void StopString_CutsText_WithBuiltinTokenizer()
    {
        var dir = Path.Combine(Path.GetTempPath(), "rf-tiny-" + Guid.NewGuid().ToString("N"));
        try
        {
            BuiltinModels.Materialize("builtin:tiny", dir, seed: 1);
            using var lm = LanguageModel.Load(dir);
            var engine = new RolloutEngine(lm.Model, lm.Tokenizer);
            var prompt = lm.Tokenizer.Encode(lm.ChatTemplate.Render([Tokenizers.ChatMessage.User("hi")], addGenerationPrompt: true));
            var free = engine.Generate([prompt], new SamplingParams { Temperature = 0, MaxNewTokens = 20 })[0];
            Assert.NotNull(free.Text);
            var needle = free.Text!.Length >= 6 ? free.Text.Substring(3, 2) : null;
            if (needle is null || needle.Trim().Length == 0) return; // nothing printable to stop on
            var cut = engine.Generate([prompt], new SamplingParams { Temperature = 0, MaxNewTokens = 20, StopStrings = [needle] })[0];
            Assert.Equal(FinishReason.Stop, cut.FinishReason);
            Assert.Equal(free.Text[..free.Text.IndexOf(needle, StringComparison.Ordinal)], cut.Text);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void BadPrompt_IdOutsideVocabulary_IsClearError()
    {
        var engine = new RolloutEngine(_model);
        var e = Assert.Throws<ArgumentException>(() => engine.Generate([[1, 5000]], new SamplingParams()));
        Assert.Contains("5000", e.Message);
    }
}
