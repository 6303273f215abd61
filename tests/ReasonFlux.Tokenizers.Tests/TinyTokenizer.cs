using System.Text.Json.Nodes;
using ReasonFlux.Tokenizers.Bpe;

namespace ReasonFlux.Tokenizers.Tests;

/// <summary>
/// Builds small tokenizer.json documents in code: the 256 byte-level tokens (ids 0..255) plus a few merges,
/// with the Qwen2 pre-tokenizer, NFC and ByteLevel decoder, so the pipeline is testable without npm.
/// </summary>
internal static class TinyTokenizer
{
    /// <summary>Merges in rank order; each merged token gets the next id after 255.</summary>
    public static readonly string[][] DefaultMerges =
    [
        ["h", "e"], ["l", "l"], ["he", "ll"], ["hell", "o"], ["Ġ", "w"], ["o", "r"], ["Ġw", "or"], ["Ġwor", "l"], ["Ġworl", "d"],
        ["a", "a"], ["aa", "aa"],
    ];

    public static JsonObject Document(string[][]? merges = null, bool mergesAsStrings = false, JsonArray? addedTokens = null)
    {
        merges ??= DefaultMerges;
        var vocab = new JsonObject();
        for (int b = 0; b < 256; b++) vocab[ByteLevelAlphabet.ByteToChar((byte)b).ToString()] = b;
        int next = 256;
        foreach (var m in merges)
        {
            string merged = m[0] + m[1];
            if (!vocab.ContainsKey(merged)) vocab[merged] = next++;
        }
        var mergeArray = new JsonArray();
        foreach (var m in merges) mergeArray.Add(mergesAsStrings ? JsonValue.Create(m[0] + " " + m[1]) : new JsonArray(m[0], m[1]));
        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = addedTokens ?? new JsonArray
            {
                AddedToken(1000, "<|im_start|>", special: true),
                AddedToken(1001, "<|im_end|>", special: true),
                AddedToken(1002, "<think>", special: false),
                AddedToken(1003, "<|im_end|>x", special: true),
            },
            ["normalizer"] = new JsonObject { ["type"] = "NFC" },
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray
                {
                    new JsonObject
                    {
                        ["type"] = "Split",
                        ["pattern"] = new JsonObject { ["Regex"] = ReasonFlux.Tokenizers.PreTokenization.Qwen2PreTokenizer.Pattern },
                        ["behavior"] = "Isolated",
                        ["invert"] = false,
                    },
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = false },
                },
            },
            ["post_processor"] = null,
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = false },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["continuing_subword_prefix"] = "",
                ["end_of_word_suffix"] = "",
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["ignore_merges"] = false,
                ["vocab"] = vocab,
                ["merges"] = mergeArray,
            },
        };
    }

    public static JsonObject AddedToken(int id, string content, bool special, bool lstrip = false, bool rstrip = false, bool singleWord = false, bool normalized = false) => new()
    {
        ["id"] = id,
        ["content"] = content,
        ["single_word"] = singleWord,
        ["lstrip"] = lstrip,
        ["rstrip"] = rstrip,
        ["normalized"] = normalized,
        ["special"] = special,
    };

    public static BpeTokenizer Create(string[][]? merges = null, bool mergesAsStrings = false, string? config = null, JsonArray? addedTokens = null) =>
        BpeTokenizer.FromJson(Document(merges, mergesAsStrings, addedTokens).ToJsonString(), config);
}
