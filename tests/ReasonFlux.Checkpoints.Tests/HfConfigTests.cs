using System.Text.Json.Nodes;

namespace ReasonFlux.Checkpoints.Tests;

public sealed class HfConfigTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private const string Qwen2Config = """
    {
      "architectures": ["Qwen2ForCausalLM"],
      "attention_dropout": 0.0,
      "bos_token_id": 151643,
      "eos_token_id": 151645,
      "hidden_act": "silu",
      "hidden_size": 896,
      "intermediate_size": 4864,
      "max_position_embeddings": 32768,
      "model_type": "qwen2",
      "num_attention_heads": 14,
      "num_hidden_layers": 24,
      "num_key_value_heads": 2,
      "rms_norm_eps": 1e-06,
      "rope_theta": 1000000.0,
      "sliding_window": null,
      "tie_word_embeddings": true,
      "torch_dtype": "bfloat16",
      "vocab_size": 151936,
      "float_int": 4096.0,
      "half": 4096.5,
      "rope_scaling": {"type": "yarn", "factor": 4.0}
    }
    """;

    private HfConfig Load()
    {
        File.WriteAllText(_dir.File("config.json"), Qwen2Config);
        return HfConfig.Load(_dir.Path);
    }

    [Fact]
    public void Load_DuplicateKey_IsInvalidDataNamingTheFile()
    {
        // Found by tests/fuzz (model-config): the duplicate used to surface as a bare ArgumentException on first lookup.
        File.WriteAllText(_dir.File("config.json"), "{\"hidden_size\": 64, \"hidden_size\": 128}");
        var e = Assert.Throws<InvalidDataException>(() => HfConfig.Load(_dir.Path).GetInt("hidden_size"));
        Assert.Contains("config.json", e.Message);
        Assert.Contains("hidden_size", e.Message);
    }

    [Fact]
    public void Getters_Qwen2Config_ReadTypedValues()
    {
        var c = Load();
        Assert.Equal(896, c.GetInt("hidden_size"));
        Assert.Equal(151936L, c.GetLong("vocab_size"));
        Assert.Equal(1e-6, c.GetDouble("rms_norm_eps"));
        Assert.Equal(1_000_000.0, c.GetDouble("rope_theta"));
        Assert.Equal(24.0, c.GetDouble("num_hidden_layers"));
        Assert.Equal("silu", c.GetString("hidden_act"));
        Assert.True(c.GetBool("tie_word_embeddings"));
        Assert.Equal(["Qwen2ForCausalLM"], c.Architectures);
        Assert.Equal("qwen2", c.ModelType);
        Assert.Equal(DType.BF16, c.TorchDType);
        Assert.Equal(4096, c.GetInt("float_int"));
        Assert.Equal(4.0, c.GetObject("rope_scaling")!["factor"]!.GetValue<double>());
    }

    [Fact]
    public void Getters_WithDefaults_AbsentOrNullGiveDefault()
    {
        var c = Load();
        Assert.Equal(4096, c.GetInt("sliding_window", 4096));
        Assert.Equal(7, c.GetInt("not_there", 7));
        Assert.Equal(0.5, c.GetDouble("not_there", 0.5));
        Assert.False(c.GetBool("use_sliding_window", false));
        Assert.Null(c.GetString("not_there", null));
        Assert.Null(c.GetObject("not_there"));
        Assert.Equal(896, c.GetInt("hidden_size", 1));
    }

    [Fact]
    public void GetInt_MissingKey_NamesFileAndKey()
    {
        var c = Load();
        var e = Assert.Throws<InvalidDataException>(() => c.GetInt("head_dim"));
        Assert.Contains(_dir.File("config.json"), e.Message);
        Assert.Contains("'head_dim'", e.Message);
    }

    [Theory]
    [InlineData("hidden_act")]
    [InlineData("half")]
    [InlineData("tie_word_embeddings")]
    [InlineData("sliding_window")]
    public void GetInt_WrongTypeOrNull_NamesKey(string key)
    {
        var c = Load();
        var e = Assert.Throws<InvalidDataException>(() => c.GetInt(key));
        Assert.Contains($"'{key}'", e.Message);
    }

    [Fact]
    public void GetWithDefault_WrongType_StillThrows()
    {
        var c = Load();
        Assert.Throws<InvalidDataException>(() => c.GetBool("hidden_size", false));
        Assert.Throws<InvalidDataException>(() => c.GetString("hidden_size", "x"));
        Assert.Throws<InvalidDataException>(() => c.GetDouble("hidden_act", 1));
        Assert.Throws<InvalidDataException>(() => c.GetObject("hidden_size"));
    }

    [Fact]
    public void Load_BadFiles_Rejected()
    {
        Assert.Throws<FileNotFoundException>(() => HfConfig.Load(_dir.File("config.json")));
        File.WriteAllText(_dir.File("config.json"), "[1]");
        Assert.Contains("JSON object", Assert.Throws<InvalidDataException>(() => HfConfig.Load(_dir.Path)).Message);
        File.WriteAllText(_dir.File("config.json"), "{\"a\":");
        Assert.Contains("config.json", Assert.Throws<InvalidDataException>(() => HfConfig.Load(_dir.Path)).Message);
    }

    [Fact]
    public void Save_EditedConfig_RoundTrips()
    {
        var c = Load();
        c.Json["torch_dtype"] = "float32";
        string outPath = _dir.File("out.json");
        c.Save(outPath);
        var again = HfConfig.Load(outPath);
        Assert.Equal(DType.F32, again.TorchDType);
        Assert.Equal(896, again.GetInt("hidden_size"));
        Assert.Equal(1, HfConfig.FromJson(new JsonObject { ["x"] = 1 }).GetInt("x"));
    }
}
