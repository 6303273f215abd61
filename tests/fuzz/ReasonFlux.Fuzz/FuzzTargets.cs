using System.Text;
using System.Text.Json.Nodes;
using ReasonFlux.Checkpoints;
using ReasonFlux.Grading;
using ReasonFlux.IO;
using ReasonFlux.Models.Qwen2;
using ReasonFlux.PrmData.Judging;
using ReasonFlux.Recipes.Loading;
using ReasonFlux.Runs;
using ReasonFlux.Tokenizers;

namespace ReasonFlux.Fuzz;

/// <summary>
/// One harness per parser that reads outside data. Each takes raw bytes; a harness returns normally when the input
/// was accepted or refused with a clear error (<see cref="ExpectedFailure"/>), and lets anything else escape, which
/// libFuzzer records as a crash.
/// </summary>
public static class FuzzTargets
{
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["safetensors"] = Safetensors,
        ["safetensors-index"] = SafetensorsIndexFile,
        ["tokenizer-json"] = TokenizerJsonFile,
        ["tokenizer-encode"] = TokenizerEncode,
        ["tokenizer-config"] = TokenizerConfigFile,
        ["chat-template"] = ChatTemplateSource,
        ["recipe"] = Recipe,
        ["recipe-set"] = RecipeSet,
        ["jsonl"] = Jsonl,
        ["model-config"] = ModelConfig,
        ["grader"] = Grader,
        ["judge-score"] = JudgeScore,
        ["checkpoint-manifest"] = CheckpointManifestFile,
        ["metrics"] = Metrics,
        ["gpqa-csv"] = GpqaCsv,
    };

    private static string Text(byte[] data) => Encoding.UTF8.GetString(data);

    private static void Safetensors(byte[] data)
    {
        string path = Scratch.Write("model.safetensors", data);
        using var file = SafetensorsFile.Open(path);
        foreach (var name in file.Names)
        {
            var info = file.GetInfo(name);
            var bytes = file.GetBytes(name);
            if (bytes.Length != info.ByteLength) throw new InvalidOperationException($"{name}: {bytes.Length} bytes served, header says {info.ByteLength}");
        }
    }

    private static void SafetensorsIndexFile(byte[] data)
    {
        string path = Scratch.Write("model.safetensors.index.json", data);
        var index = SafetensorsIndex.Load(path);
        foreach (var shard in index.ShardFiles)
            if (Path.IsPathRooted(shard) || shard.Split('/', '\\').Contains("..")) throw new InvalidOperationException($"index accepted shard path \"{shard}\"");
    }

    private static void TokenizerJsonFile(byte[] data)
    {
        var tokenizer = BpeTokenizer.FromJson(Text(data), source: "fuzz/tokenizer.json");
        var ids = tokenizer.Encode("Hello, world! 12 + 30 = 42 <|im_start|>user\n\\boxed{x} 日本語 🙂");
        tokenizer.Decode(ids);
        foreach (int id in ids) if (id < 0) throw new InvalidOperationException($"negative token id {id}");
    }

    private static readonly Lazy<BpeTokenizer> SeedTokenizer = new(() =>
        BpeTokenizer.FromJson(SeedFiles.TokenizerJson().ToJsonString(), SeedFiles.TokenizerConfigJson().ToJsonString(), "seed/tokenizer.json"));

    private static void TokenizerEncode(byte[] data)
    {
        var tokenizer = SeedTokenizer.Value;
        string text = Text(data);
        var ids = tokenizer.Encode(text, splitSpecialTokens: data.Length > 0 && data[0] % 2 == 0);
        string decoded = tokenizer.Decode(ids);
        // Byte-level BPE over NFC text loses nothing: decoding gives back the normalised input.
        string expected = ReasonFlux.Tokenizers.Normalization.NfcNormalizer.Normalize(text); // string.Normalize is a no-op under InvariantGlobalization
        if (decoded != expected) throw new InvalidOperationException($"decode(encode(x)) != NFC(x): {System.Text.Json.JsonSerializer.Serialize(decoded)} vs {System.Text.Json.JsonSerializer.Serialize(expected)}");
        var stream = tokenizer.CreateStreamDecoder();
        var streamed = new StringBuilder();
        foreach (int id in ids) streamed.Append(stream.Push(id));
        streamed.Append(stream.Flush());
        if (streamed.ToString() != decoded) throw new InvalidOperationException("streamed decode differs from decode");
    }

    private static void TokenizerConfigFile(byte[] data)
    {
        var config = TokenizerConfig.Parse(Text(data), "fuzz/tokenizer_config.json");
        if (config.ChatTemplate is { } source) ChatTemplate.Parse(source, config, "fuzz/tokenizer_config.json");
    }

    // Lazy like every other static here: instrumented code must not run before Fuzzer.LibFuzzer.Run maps the coverage memory.
    private static readonly Lazy<IReadOnlyList<ChatMessage>> Conversation = new(() =>
    [
        new("system", "You are a careful assistant."),
        new("user", "Compute 47 + 8."),
        new("assistant", "<think>47 + 8 = 55</think>\n\\boxed{55}"),
        new("user", "And minus 5?"),
    ]);

    private static void ChatTemplateSource(byte[] data)
    {
        var template = ChatTemplate.Parse(Text(data), name: "fuzz/chat_template.jinja");
        template.Render(Conversation.Value, addGenerationPrompt: true);
    }

    private static void Recipe(byte[] data)
    {
        var recipe = RecipeLoader.Parse(Text(data), "fuzz/recipe.yaml");
        // What `train` does next with an accepted recipe: plan its stages and write it back out.
        RecipePlan.Format(RecipePlan.Derive(recipe));
        RecipeLoader.Parse(RecipeWriter.Write(recipe), "fuzz/recipe.rewritten.yaml");
    }

    private static void RecipeSet(byte[] data)
    {
        var overrides = Text(data).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var recipe = RecipeLoader.Parse(SeedFiles.Recipe, "fuzz/recipe.yaml", overrides);
        RecipeLoader.Parse(RecipeWriter.Write(recipe), "fuzz/recipe.rewritten.yaml");
    }

    private static void Jsonl(byte[] data)
    {
        string path = Scratch.Write("data.jsonl", data);
        foreach (var record in JsonlReader.Read(path))
        {
            // The accessors the stages use on every line.
            foreach (var key in new[] { "prompt", "completion", "answer", "problem", "response" })
                if (record.Has(key)) record.GetOptionalString(key);
            if (record.Has("input_ids")) record.GetInt32Array("input_ids");
            if (record.Has("steps")) record.GetStringArray("steps");
            foreach (var (_, _) in record.Value) { }
        }
    }

    private static void ModelConfig(byte[] data)
    {
        string dir = Scratch.Directory("model");
        File.WriteAllBytes(Path.Combine(dir, "config.json"), data);
        var config = Qwen2Config.Load(dir);
        config.ToJson(config.TorchDtype);
    }

    private static void Grader(byte[] data)
    {
        string text = Text(data);
        int split = text.IndexOf('\n');
        string gold = split < 0 ? text : text[..split];
        string response = split < 0 ? text : text[(split + 1)..];
        AnswerGrader.Grade(gold, response);
        AnswerGrader.GradeAnswer(gold, response);
        AnswerGrader.Grade(gold, response, GradingTask.Choice);
        AnswerGrader.Extract(response);
        bool ab = AnswerGrader.AreEquivalent(gold, response);
        if (AnswerGrader.AreEquivalent(gold, gold) is false && ab) throw new InvalidOperationException("an answer equal to another is not equal to itself");
    }

    private static void JudgeScore(byte[] data)
    {
        string text = Text(data);
        foreach (double scale in new[] { 1.0, 10.0, 100.0 })
            if (JudgeScoreParser.TryParse(text, scale, out var score) && !(score is >= 0 and <= 1))
                throw new InvalidOperationException($"score {score} outside [0, 1]");
    }

    private static void CheckpointManifestFile(byte[] data)
    {
        string dir = Scratch.Directory("step-1");
        File.WriteAllText(Path.Combine(dir, "weights.bin"), "0123456789");
        File.WriteAllBytes(Path.Combine(dir, CheckpointManifest.FileName), data);
        CheckpointStore.Verify(dir, out _);
    }

    private static void Metrics(byte[] data)
    {
        string path = Scratch.Write("metrics.jsonl", data);
        MetricsFile.Read(path);
    }

    private static void GpqaCsv(byte[] data)
    {
        string path = Scratch.Write("gpqa_diamond.csv", data);
        foreach (var item in ReasonFlux.Grading.Datasets.GpqaDiamond.LoadCsv(path, repeat: 1))
            ReasonFlux.Grading.Datasets.GpqaDiamond.FormatPrompt(item);
    }
}
