using System.Text.Json.Nodes;
using ReasonFlux.Checkpoints;
using ReasonFlux.Models.Qwen2;

namespace ReasonFlux.Models.Tests;

/// <summary>config.json numbers that load fine and then produce NaN or index past the vocabulary are refused, naming the key.</summary>
public sealed class Qwen2ConfigRangeTests
{
    private static JsonObject Tiny() => new()
    {
        ["hidden_size"] = 16, ["intermediate_size"] = 32, ["num_hidden_layers"] = 1, ["num_attention_heads"] = 2,
        ["num_key_value_heads"] = 1, ["vocab_size"] = 100, ["eos_token_id"] = 99,
    };

    private static Qwen2Config Load(JsonObject json) => Qwen2Config.FromHf(HfConfig.FromJson(json, "m/config.json"));

    [Fact]
    public void FromHf_ValidConfig_Loads() => Assert.Equal(99, Load(Tiny()).EosTokenId);

    [Theory]
    [InlineData("rms_norm_eps", -1.0, "\"rms_norm_eps\" must be in (0, 1)")]
    [InlineData("rms_norm_eps", 0.0, "\"rms_norm_eps\" must be in (0, 1)")]
    [InlineData("rope_theta", 0.0, "\"rope_theta\" must be a finite number above 1")]
    [InlineData("rope_theta", -5.0, "\"rope_theta\" must be a finite number above 1")]
    [InlineData("eos_token_id", 1000000.0, "\"eos_token_id\" 1000000 is outside the vocabulary (vocab_size 100)")]
    [InlineData("bos_token_id", -1.0, "\"bos_token_id\" -1 is outside the vocabulary")]
    [InlineData("max_position_embeddings", 0.0, "\"max_position_embeddings\" must be positive")]
    public void FromHf_OutOfRange_IsRefusedNamingFileAndKey(string key, double value, string expected)
    {
        var json = Tiny();
        json[key] = key.EndsWith("_id") || key == "max_position_embeddings" ? JsonValue.Create((long)value) : JsonValue.Create(value);
        var e = Assert.Throws<InvalidDataException>(() => Load(json));
        Assert.StartsWith("m/config.json: ", e.Message);
        Assert.Contains(expected, e.Message);
    }
}

public sealed class CpuDtypeTests
{
    [Fact]
    public void Load_Float16OnCpu_IsAClearErrorNotALibtorchOne()
    {
        var dir = Path.Combine(ReasonFlux.Tests.Shared.RepoPaths.Root, "tests/data/models/tiny-qwen2");
        var e = Assert.Throws<InvalidDataException>(() => PretrainedModel.Load(dir, ReasonFlux.Torch.ScalarType.Float16, ReasonFlux.Torch.Device.CPU));
        Assert.StartsWith("model.dtype: float16 is not supported on the CPU", e.Message);
        using var ok = PretrainedModel.Load(dir, ReasonFlux.Torch.ScalarType.BFloat16, ReasonFlux.Torch.Device.CPU);
    }
}

public sealed class UnusedTensorTests
{
    [Fact]
    public void Load_CheckpointWithAnExtraTensor_ReportsItByName()
    {
        string dir = Directory.CreateTempSubdirectory("rf-unused").FullName;
        try
        {
            ReasonFlux.Models.Builtin.BuiltinModels.Materialize("builtin:tiny", dir, seed: 1);
            string weights = Path.Combine(dir, "model.safetensors");
            string rewritten = weights + ".new";
            using (var original = SafetensorsFile.Open(weights))
            {
                var sources = original.Names.Select(n => TensorWriteSource.FromView(original, n))
                    .Append(TensorWriteSource.FromBytes("stray_head.weight", DType.F32, [2], new byte[8]));
                SafetensorsWriter.WriteFile(rewritten, sources);
            }
            File.Move(rewritten, weights, overwrite: true);

            using var lm = LanguageModel.Load(dir);
            Assert.Equal(Path.Combine(dir, "model.safetensors") + ":stray_head.weight", Assert.Single(lm.UnusedTensors));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
