using System.Text.Json.Nodes;
using ReasonFlux.Models.Qwen2;
using ReasonFlux.Tokenizers;
using ReasonFlux.Tokenizers.Bpe;
using ReasonFlux.Tokenizers.PreTokenization;

namespace ReasonFlux.Models.Builtin;

/// <summary>
/// Models that ship inside reasonflux, written out as ordinary Hugging Face folders so every code path
/// (loading, saving, chat templates) is the real one. "builtin:tiny" is a 2-layer Qwen2 over a byte-level
/// tokenizer (256 byte tokens plus ChatML and PRM specials): it trains on a CPU in seconds, which makes
/// it the quickstart's default and a fixture for end-to-end tests.
/// </summary>
public static class BuiltinModels
{
    public const string Prefix = "builtin:";

    public static readonly IReadOnlyList<string> SpecialTokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>", "<extra_0>"];

    public static bool IsBuiltin(string spec) => spec.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The config of a built-in model ("tiny", "25m", "125m").</summary>
    public static Qwen2Config Config(string name) => name switch
    {
        "tiny" => new Qwen2Config
        {
            HiddenSize = 64,
            IntermediateSize = 176,
            NumHiddenLayers = 2,
            NumAttentionHeads = 4,
            NumKeyValueHeads = 2,
            VocabSize = 256 + SpecialTokens.Count,
            MaxPositionEmbeddings = 512,
            TieWordEmbeddings = true,
            TorchDtype = ReasonFlux.Torch.ScalarType.Float32,
            EosTokenId = 258,
            BosTokenId = 256,
        },
        // Seeded random Qwen2 stacks for tests and benchmarks, over the same byte-level tokenizer. The embedding has
        // 32768 rows (the tokenizer uses the first 262) so the LM head costs what a real vocabulary costs:
        // 25m = 12.6M tied embedding + 8 layers × 1.6M; 125m = 25.2M + 12 layers × 8.1M.
        "25m" => Random(hidden: 384, intermediate: 1024, layers: 8, heads: 6, kvHeads: 2),
        "125m" => Random(hidden: 768, intermediate: 2816, layers: 12, heads: 12, kvHeads: 4),
        _ => throw new ArgumentException($"unknown built-in model \"{Prefix}{name}\" (available: {string.Join(", ", Names.Select(n => Prefix + n))})"),
    };

    /// <summary>The built-in model names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["tiny", "25m", "125m"];

    /// <summary>Vocabulary rows of the larger built-in models.</summary>
    public const int LargeVocabSize = 32768;

    private static Qwen2Config Random(int hidden, int intermediate, int layers, int heads, int kvHeads) => new()
    {
        HiddenSize = hidden,
        IntermediateSize = intermediate,
        NumHiddenLayers = layers,
        NumAttentionHeads = heads,
        NumKeyValueHeads = kvHeads,
        VocabSize = LargeVocabSize,
        MaxPositionEmbeddings = 8192,
        TieWordEmbeddings = true,
        TorchDtype = ReasonFlux.Torch.ScalarType.Float32,
        EosTokenId = 258,
        BosTokenId = 256,
    };

    /// <summary>
    /// Writes the built-in model as a Hugging Face folder (config.json, model.safetensors with HF's
    /// initialisation from <paramref name="seed"/>, tokenizer.json, tokenizer_config.json) and returns it.
    /// </summary>
    public static string Materialize(string spec, string directory, long seed = 0)
    {
        var name = spec.StartsWith(Prefix, StringComparison.Ordinal) ? spec[Prefix.Length..] : spec;
        var config = Config(name);
        Directory.CreateDirectory(directory);
        using (var model = PretrainedModel.Create(config, seed))
            PretrainedModel.Save(model, config, directory);
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), TokenizerJson().ToJsonString());
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), TokenizerConfigJson().ToJsonString());
        return directory;
    }

    /// <summary>A byte-level BPE tokenizer.json with no merges: one token per UTF-8 byte, plus the special tokens.</summary>
    public static JsonObject TokenizerJson()
    {
        var vocab = new JsonObject();
        for (int b = 0; b < 256; b++) vocab[ByteLevelAlphabet.ByteToChar((byte)b).ToString()] = b;
        var added = new JsonArray();
        for (int i = 0; i < SpecialTokens.Count; i++)
            added.Add(new JsonObject
            {
                ["id"] = 256 + i, ["content"] = SpecialTokens[i], ["single_word"] = false, ["lstrip"] = false,
                ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
            });
        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = new JsonObject { ["type"] = "NFC" },
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject
                    {
                        ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = Qwen2PreTokenizer.Pattern },
                        ["behavior"] = "Isolated", ["invert"] = false,
                    },
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = false }),
            },
            ["post_processor"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = false },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = false },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = "",
                ["end_of_word_suffix"] = "", ["fuse_unk"] = false, ["byte_fallback"] = false, ["ignore_merges"] = false,
                ["vocab"] = vocab, ["merges"] = new JsonArray(),
            },
        };
    }

    public static JsonObject TokenizerConfigJson() => new()
    {
        ["tokenizer_class"] = "Qwen2Tokenizer",
        ["eos_token"] = "<|im_end|>",
        ["pad_token"] = "<|endoftext|>",
        ["bos_token"] = null,
        ["model_max_length"] = 512,
        ["chat_template"] = ChatTemplate.BuiltIn(ChatTemplate.ChatMlName).Source,
    };
}
