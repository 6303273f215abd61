using ReasonFlux.Models.Builtin;
using ReasonFlux.Models.Heads;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Models.Tests;

/// <summary>Per-layer activation checkpointing and chunked log-probs on a real Qwen2 stack.</summary>
public class GradientCheckpointingTests
{
    // Gradients of the summed log-probs of a padded batch, with checkpointing and the logits chunk as given.
    private static Dictionary<string, float[]> Gradients(bool checkpointing, long chunk, out double loss)
    {
        using var scope = NewDisposeScope();
        using var model = (Qwen2ForCausalLM)PretrainedModel.Create(BuiltinModels.Config("tiny"), seed: 3);
        model.Model.GradientCheckpointing = checkpointing;
        model.LogitsChunk = chunk;
        using var g = new Generator(4);
        var ids = randint(0, 256, [2, 9], generator: g);
        var mask = tensor(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0 }, [2, 9]);
        var hidden = model.Model.forward(ids, mask).narrow(1, 0, 8);
        var logp = model.TokenLogProbs(hidden, ids.narrow(1, 1, 8));
        var l = (logp * mask.narrow(1, 1, 8).to(ScalarType.Float32)).sum().neg();
        l.backward();
        loss = l.ToDouble();
        return model.named_parameters().ToDictionary(p => p.Name, p => p.Parameter.grad!.ToArray<float>());
    }

    [Fact]
    public void CheckpointedLayers_AndChunkedLogProbs_GiveTheSameGradients()
    {
        var plain = Gradients(checkpointing: false, chunk: 0, out var plainLoss);
        foreach (var (checkpointing, chunk) in new[] { (true, 0L), (false, 5L), (true, 3L) })
        {
            var other = Gradients(checkpointing, chunk, out var loss);
            Assert.Equal(plainLoss, loss, 4);
            foreach (var (name, expected) in plain)
            {
                var actual = other[name];
                for (int i = 0; i < expected.Length; i++)
                    // Checkpointing alone: <= 1e-6 absolute; a different chunking also reorders the weight-gradient sums.
                    Assert.True(Math.Abs(expected[i] - actual[i]) <= (chunk == 0 ? 1e-6 : 1e-6 + 1e-5 * Math.Abs(expected[i])),
                        $"{name}[{i}] (checkpointing {checkpointing}, chunk {chunk}): {expected[i]} vs {actual[i]}");
            }
        }
    }

    [Fact]
    public void Checkpointing_IsIgnoredWithAKvCacheOrWithoutGrad()
    {
        using var scope = NewDisposeScope();
        using var model = (Qwen2ForCausalLM)PretrainedModel.Create(BuiltinModels.Config("tiny"), seed: 3);
        var ids = tensor(new long[] { 5, 6, 7 }, [1, 3]);
        var plain = model.forward(ids).detach();
        model.Model.GradientCheckpointing = true;
        using (no_grad()) Assert.Equal(plain.ToArray<float>(), model.forward(ids).ToArray<float>());
        Assert.Equal(plain.ToArray<float>(), model.forward(ids).detach().ToArray<float>());
    }
}

/// <summary>The seeded random built-in configs are the sizes their names say.</summary>
public class BuiltinModelSizeTests
{
    // Parameters of a tied Qwen2 config, counted from its shapes.
    private static long Count(Qwen2.Qwen2Config c)
    {
        long h = c.HiddenSize, kv = (long)c.NumKeyValueHeads * c.HeadDim;
        long layer = (h * h + h) + 2 * (h * kv + kv) + h * h + 3 * h * c.IntermediateSize + 2 * h;
        return (long)c.VocabSize * h + c.NumHiddenLayers * layer + h;
    }

    [Theory]
    [InlineData("25m", 25e6)]
    [InlineData("125m", 125e6)]
    public void Builtin_HasAboutItsNominalParameterCount(string name, double nominal)
    {
        var config = BuiltinModels.Config(name);
        Assert.InRange(Count(config), 0.9 * nominal, 1.1 * nominal);
        Assert.True(config.TieWordEmbeddings);
    }

    [Fact]
    public void Builtin25m_CountMatchesTheBuiltModel_AndIsSeeded()
    {
        using var scope = NewDisposeScope();
        var config = BuiltinModels.Config("25m");
        using var a = PretrainedModel.Create(config, seed: 7);
        using var b = PretrainedModel.Create(config, seed: 7);
        Assert.Equal(Count(config), a.parameter_count());
        var wa = a.named_parameters().First(p => p.Name.EndsWith("q_proj.weight", StringComparison.Ordinal)).Parameter;
        var wb = b.named_parameters().First(p => p.Name.EndsWith("q_proj.weight", StringComparison.Ordinal)).Parameter;
        Assert.Equal(0.0, (wa - wb).abs().max().ToDouble());
        Assert.Contains("125m", Assert.Throws<ArgumentException>(() => BuiltinModels.Config("7b")).Message);
    }
}
