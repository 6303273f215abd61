using ReasonFlux.Models.Heads;
using ReasonFlux.Models.Qwen2;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Models.Tests;

public class KvCacheAndSaveTests
{
    [Theory]
    [InlineData("tiny-qwen2", "single")]
    [InlineData("tiny-qwen2", "left_padded")]
    [InlineData("tiny-qwen2-tied", "left_padded")]
    public void GreedyDecodingWithKvCache_ReproducesReferenceContinuation(string checkpoint, string caseName)
    {
        using var model = PretrainedModel.LoadCausalLM(Golden.Folder(checkpoint));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var c = Golden.Case(checkpoint, "greedy", caseName);
        var (ids, mask) = Qwen2GoldenTests.Inputs(c);
        var newTokens = (int)c["new_tokens"]!;
        var expected = Golden.Ints2D(c["generated_ids"]!, out var b, out var _);
        var margins = Golden.Flatten(c["top2_margins"]!);
        using var cache = new KvCache(model.Config, b, ids.size(1) + newTokens, ScalarType.Float32, Device.CPU);
        var logits = model.forward(ids, mask, cache: cache);
        var next = logits.select(1, -1).argmax(-1);
        var generated = new List<long[]> { next.ToArray<long>() };
        for (int step = 1; step < newTokens; step++)
        {
            mask = cat([mask, ones([b, 1], ScalarType.Int64)], 1);
            logits = model.forward(next.view(b, 1), mask, cache: cache);
            next = logits.select(1, -1).argmax(-1);
            generated.Add(next.ToArray<long>());
        }
        for (int r = 0; r < b; r++)
            for (int s = 0; s < newTokens; s++)
            {
                if (margins[r * newTokens + s] < 1e-3) break; // a near-tie: either token is right, and what follows may differ
                Assert.Equal(expected[r * newTokens + s], generated[s][r]);
            }
    }

    [Fact]
    public void IncrementalForward_EqualsFullForward()
    {
        using var model = PretrainedModel.LoadCausalLM(Golden.Folder("tiny-qwen2"));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var ids = tensor(new long[] { 5, 17, 42, 8, 99, 3, 250, 11 }, [1, 8]);
        var full = model.forward(ids);
        using var cache = new KvCache(model.Config, 1, 8, ScalarType.Float32, Device.CPU);
        var first = model.forward(ids.narrow(1, 0, 5), cache: cache);
        var rest = model.forward(ids.narrow(1, 5, 3), cache: cache);
        var incremental = cat([first, rest], 1);
        Assert.True((full - incremental).abs().max().ToDouble() < 1e-5);
    }

    [Theory]
    [InlineData("tiny-qwen2")]
    [InlineData("tiny-qwen2-tied")]
    [InlineData("tiny-qwen2-prm")]
    public void SaveThenLoad_IsBitExact_AndTiedWeightsWrittenOnce(string checkpoint)
    {
        using var original = PretrainedModel.Load(Golden.Folder(checkpoint));
        var dir = Path.Combine(Path.GetTempPath(), "rf-save-" + Guid.NewGuid().ToString("N"));
        try
        {
            PretrainedModel.Save(original.Module, original.Config, dir);
            using var file = ReasonFlux.Checkpoints.SafetensorsCheckpoint.Open(dir);
            if (original.Config.TieWordEmbeddings) Assert.False(file.Contains("lm_head.weight"));
            using var reloaded = PretrainedModel.Load(dir);
            Assert.Empty(reloaded.UnusedTensors);
            var a = original.Module.state_dict();
            var b = reloaded.Module.state_dict();
            Assert.Equal(a.Keys.Order(), b.Keys.Order());
            foreach (var (name, t) in a)
                Assert.Equal(t.detach().ToArray<float>(), b[name].detach().ToArray<float>());
            // The file itself matches the one the reference wrote, tensor by tensor.
            using var source = ReasonFlux.Checkpoints.SafetensorsCheckpoint.Open(Golden.Folder(checkpoint));
            foreach (var name in source.Names)
                Assert.True(source.GetBytes(name).SequenceEqual(file.GetBytes(name)), $"tensor {name} differs from the source file");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string CopyCheckpoint(string checkpoint)
    {
        var dir = Path.Combine(Path.GetTempPath(), "rf-bad-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(Golden.Folder(checkpoint))) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        return dir;
    }

    [Fact]
    public void UnknownArchitecture_IsClearError()
    {
        var dir = CopyCheckpoint("tiny-qwen2");
        try
        {
            var cfg = File.ReadAllText(Path.Combine(dir, "config.json")).Replace("Qwen2ForCausalLM", "LlamaForCausalLM");
            File.WriteAllText(Path.Combine(dir, "config.json"), cfg);
            var e = Assert.Throws<InvalidDataException>(() => PretrainedModel.Load(dir));
            Assert.Contains("LlamaForCausalLM", e.Message);
            Assert.Contains("config.json", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ConfigShapeDisagreeingWithWeights_NamesTheTensor()
    {
        var dir = CopyCheckpoint("tiny-qwen2");
        try
        {
            var cfg = File.ReadAllText(Path.Combine(dir, "config.json")).Replace("\"intermediate_size\": 112", "\"intermediate_size\": 128");
            File.WriteAllText(Path.Combine(dir, "config.json"), cfg);
            var e = Assert.Throws<InvalidDataException>(() => PretrainedModel.Load(dir));
            Assert.Contains("gate_proj.weight", e.Message);
            Assert.Contains("[112, 64]", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TruncatedSafetensors_IsClearError_NotACrash()
    {
        var dir = CopyCheckpoint("tiny-qwen2");
        try
        {
            var path = Path.Combine(dir, "model.safetensors");
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
            var e = Assert.Throws<InvalidDataException>(() => PretrainedModel.Load(dir));
            Assert.Contains("model.safetensors", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void InvalidConfig_HeadsNotDividingHidden_IsClearError()
    {
        var dir = CopyCheckpoint("tiny-qwen2");
        try
        {
            var cfg = File.ReadAllText(Path.Combine(dir, "config.json")).Replace("\"num_attention_heads\": 4", "\"num_attention_heads\": 5");
            File.WriteAllText(Path.Combine(dir, "config.json"), cfg);
            var e = Assert.Throws<InvalidDataException>(() => PretrainedModel.Load(dir));
            Assert.Contains("num_attention_heads", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
