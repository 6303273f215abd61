using System.Text.Json.Nodes;
using ReasonFlux.Models.Builtin;
using ReasonFlux.Tests.Shared;

namespace ReasonFlux.Rewards.Tests;

/// <summary>
/// Temporary copies of the golden tiny PRM checkpoints (which ship without a tokenizer) with a byte-level
/// tokenizer whose added tokens fit their 300-id vocabulary: &lt;extra_0&gt; at 299, the golden separator id.
/// </summary>
internal sealed class TinyPrmFolders : IDisposable
{
    public const int SeparatorId = 299;
    public static readonly string QwenTemplate = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "qwen2.5-instruct.jinja"));

    private readonly string _root = Path.Combine(Path.GetTempPath(), "rf-rewards-" + Guid.NewGuid().ToString("N"));

    public static string Golden(string name) => RepoPaths.TestData("models", name);

    /// <summary>A copy of tests/data/models/<paramref name="name"/> with tokenizer files; <paramref name="withSeparator"/> false leaves &lt;extra_0&gt; out.</summary>
    public string Copy(string name, bool withSeparator = true, string? chatTemplate = null)
    {
        var dir = Path.Combine(_root, name + (withSeparator ? "" : "-nosep"));
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(Golden(name))) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)), overwrite: true);
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), TokenizerJson(withSeparator).ToJsonString());
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), new JsonObject
        {
            ["tokenizer_class"] = "Qwen2Tokenizer",
            ["eos_token"] = "<|im_end|>",
            ["pad_token"] = "<|endoftext|>",
            ["chat_template"] = chatTemplate ?? QwenTemplate,
        }.ToJsonString());
        return dir;
    }

    public static JsonObject TokenizerJson(bool withSeparator)
    {
        var json = BuiltinModels.TokenizerJson();
        var added = new JsonArray();
        var tokens = new List<(int, string)> { (256, "<|im_start|>"), (257, "<|im_end|>"), (258, "<think>"), (259, "</think>"), (297, "<|endoftext|>") };
        if (withSeparator) tokens.Add((SeparatorId, "<extra_0>"));
        foreach (var (id, content) in tokens)
            added.Add(new JsonObject
            {
                ["id"] = id, ["content"] = content, ["single_word"] = false, ["lstrip"] = false,
                ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
            });
        json["added_tokens"] = added;
        return json;
    }

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }
}
