using System.Text.Json.Nodes;
using ReasonFlux.Checkpoints;
using ReasonFlux.Torch;

namespace ReasonFlux.Models.Qwen2;

/// <summary>The Qwen2 architecture fields of a Hugging Face config.json, validated at load.</summary>
public sealed record Qwen2Config
{
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int NumKeyValueHeads { get; init; }
    public required int VocabSize { get; init; }
    public double RopeTheta { get; init; } = 10000.0;
    public double RmsNormEps { get; init; } = 1e-6;
    public int MaxPositionEmbeddings { get; init; } = 32768;
    public bool TieWordEmbeddings { get; init; }
    public double InitializerRange { get; init; } = 0.02;
    public ScalarType TorchDtype { get; init; } = ScalarType.Float32;
    public IReadOnlyList<string> Architectures { get; init; } = ["Qwen2ForCausalLM"];
    public int? BosTokenId { get; init; }
    public int? EosTokenId { get; init; }

    /// <summary>The file's other keys, kept so a saved config round-trips.</summary>
    public JsonObject? Extra { get; init; }

    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>Reads and validates config.json; every problem names the file and key.</summary>
    public static Qwen2Config Load(string pathOrDirectory) => FromHf(HfConfig.Load(pathOrDirectory));

    public static Qwen2Config FromHf(HfConfig c)
    {
        string where = c.Path;
        if (c.Json["rope_scaling"] is JsonObject)
            throw new InvalidDataException($"{where}: \"rope_scaling\" is set; only plain RoPE (rope_scaling null) is supported");
        if (c.GetBool("use_sliding_window", false))
            throw new InvalidDataException($"{where}: \"use_sliding_window\": true is not supported (Qwen2.5 checkpoints set it to false)");
        var act = c.GetString("hidden_act", "silu");
        if (act != "silu") throw new InvalidDataException($"{where}: \"hidden_act\" is \"{act}\"; Qwen2 uses silu");
        var dtypeName = c.GetString("torch_dtype", null);
        var config = new Qwen2Config
        {
            HiddenSize = c.GetInt("hidden_size"),
            IntermediateSize = c.GetInt("intermediate_size"),
            NumHiddenLayers = c.GetInt("num_hidden_layers"),
            NumAttentionHeads = c.GetInt("num_attention_heads"),
            NumKeyValueHeads = c.GetInt("num_key_value_heads", c.GetInt("num_attention_heads")),
            VocabSize = c.GetInt("vocab_size"),
            RopeTheta = c.GetDouble("rope_theta", 10000.0),
            RmsNormEps = c.GetDouble("rms_norm_eps", 1e-6),
            MaxPositionEmbeddings = c.GetInt("max_position_embeddings", 32768),
            TieWordEmbeddings = c.GetBool("tie_word_embeddings", false),
            InitializerRange = c.GetDouble("initializer_range", 0.02),
            TorchDtype = dtypeName is null ? ScalarType.Float32 : ParseDtype(dtypeName, where),
            Architectures = c.Architectures.Count > 0 ? c.Architectures : ["Qwen2ForCausalLM"],
            BosTokenId = c.Contains("bos_token_id") && c.Json["bos_token_id"] is JsonValue ? c.GetInt("bos_token_id") : null,
            EosTokenId = c.Contains("eos_token_id") && c.Json["eos_token_id"] is JsonValue ? c.GetInt("eos_token_id") : null,
            Extra = (JsonObject)c.Json.DeepClone(),
        };
        config.Validate(where);
        return config;
    }

    private static ScalarType ParseDtype(string name, string where)
    {
        try { return ScalarTypeExtensions.Parse(name.Replace("torch.", "")); }
        catch (ArgumentException e) { throw new InvalidDataException($"{where}: \"torch_dtype\": {e.Message}"); }
    }

    /// <summary>Checks the numbers fit together (heads divide hidden size, kv heads divide heads, all positive).</summary>
    public void Validate(string where = "config")
    {
        void Positive(int v, string key)
        {
            if (v <= 0) throw new InvalidDataException($"{where}: \"{key}\" must be positive, got {v}");
        }
        Positive(HiddenSize, "hidden_size");
        Positive(IntermediateSize, "intermediate_size");
        Positive(NumHiddenLayers, "num_hidden_layers");
        Positive(NumAttentionHeads, "num_attention_heads");
        Positive(NumKeyValueHeads, "num_key_value_heads");
        Positive(VocabSize, "vocab_size");
        if (HiddenSize % NumAttentionHeads != 0)
            throw new InvalidDataException($"{where}: hidden_size {HiddenSize} is not divisible by num_attention_heads {NumAttentionHeads}");
        if (NumAttentionHeads % NumKeyValueHeads != 0)
            throw new InvalidDataException($"{where}: num_attention_heads {NumAttentionHeads} is not divisible by num_key_value_heads {NumKeyValueHeads}");
        if (HeadDim % 2 != 0) throw new InvalidDataException($"{where}: head dimension {HeadDim} must be even for rotary embeddings");
        Positive(MaxPositionEmbeddings, "max_position_embeddings");
        // Out-of-range numbers here load fine and then produce NaN (eps ≤ 0 divides by zero in RMSNorm, theta ≤ 1
        // makes the rotary frequencies infinite or constant) or index past the embedding table (token ids).
        if (!(RmsNormEps > 0 && RmsNormEps < 1))
            throw new InvalidDataException($"{where}: \"rms_norm_eps\" must be in (0, 1), got {RmsNormEps}");
        if (!(RopeTheta > 1 && double.IsFinite(RopeTheta)))
            throw new InvalidDataException($"{where}: \"rope_theta\" must be a finite number above 1, got {RopeTheta}");
        if (!(InitializerRange >= 0 && double.IsFinite(InitializerRange)))
            throw new InvalidDataException($"{where}: \"initializer_range\" must be finite and non-negative, got {InitializerRange}");
        TokenId(BosTokenId, "bos_token_id");
        TokenId(EosTokenId, "eos_token_id");

        void TokenId(int? id, string key)
        {
            if (id is { } v && (v < 0 || v >= VocabSize))
                throw new InvalidDataException($"{where}: \"{key}\" {v} is outside the vocabulary (vocab_size {VocabSize})");
        }
    }

    /// <summary>config.json content in Hugging Face's format (unknown keys of the source kept).</summary>
    public JsonObject ToJson(ScalarType savedDtype)
    {
        var o = Extra is null ? new JsonObject() : (JsonObject)Extra.DeepClone();
        o["architectures"] = new JsonArray(Architectures.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray());
        o["model_type"] = "qwen2";
        o["hidden_size"] = HiddenSize;
        o["intermediate_size"] = IntermediateSize;
        o["num_hidden_layers"] = NumHiddenLayers;
        o["num_attention_heads"] = NumAttentionHeads;
        o["num_key_value_heads"] = NumKeyValueHeads;
        o["vocab_size"] = VocabSize;
        o["rope_theta"] = RopeTheta;
        o["rms_norm_eps"] = RmsNormEps;
        o["max_position_embeddings"] = MaxPositionEmbeddings;
        o["tie_word_embeddings"] = TieWordEmbeddings;
        o["initializer_range"] = InitializerRange;
        o["hidden_act"] = "silu";
        o["use_sliding_window"] = false;
        o["torch_dtype"] = savedDtype switch
        {
            ScalarType.BFloat16 => "bfloat16",
            ScalarType.Float16 => "float16",
            _ => "float32",
        };
        if (BosTokenId is { } b) o["bos_token_id"] = b;
        if (EosTokenId is { } e) o["eos_token_id"] = e;
        return o;
    }
}
