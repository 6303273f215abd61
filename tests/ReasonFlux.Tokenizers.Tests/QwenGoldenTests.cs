using System.Text.Json;
using System.Text.Json.Nodes;
using ReasonFlux.Tokenizers.Bpe;

namespace ReasonFlux.Tokenizers.Tests;

/// <summary>Compares against HF tokenizers (Rust) on the Qwen3 tokenizer.json; goldens from make-golden.mjs.</summary>
public sealed class QwenGoldenTests(QwenTokenizerFixture fixture) : IClassFixture<QwenTokenizerFixture>
{
    private BpeTokenizer Tokenizer => fixture.Tokenizer;

    // Both engines: ours ships; ML.Tokenizers' must match too for the comparison in README.md to be about speed alone.
    [Theory]
    [InlineData("qwen-encode.json", BpeMergeEngine.ReasonFlux, 200)]
    [InlineData("qwen-nonbmp.json", BpeMergeEngine.ReasonFlux, 700)]
    [InlineData("qwen-encode.json", BpeMergeEngine.MlTokenizers, 200)]
    [InlineData("qwen-nonbmp.json", BpeMergeEngine.MlTokenizers, 700)]
    public void Encode_GoldenStrings_MatchHfIds(string golden, BpeMergeEngine engine, int minCases)
    {
        var tokenizer = fixture.For(engine);
        var failures = new List<string>();
        var cases = TestData.GoldenCases(golden);
        foreach (var c in cases)
        {
            string text = c!["text"]!.GetValue<string>();
            int[] expected = c["ids"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray();
            int[] actual = tokenizer.Encode(text);
            if (!expected.SequenceEqual(actual))
            {
                failures.Add($"{JsonSerializer.Serialize(text)}\n  expected [{string.Join(",", expected)}] {Show(expected)}\n  actual   [{string.Join(",", actual)}] {Show(actual)}");
            }
        }
        Assert.True(cases.Count >= minCases, $"only {cases.Count} golden strings");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} strings differ:\n" + string.Join("\n", failures.Take(20)));
    }

    [Fact]
    public void Decode_NonBmpGoldenEncodings_MatchHfText()
    {
        var failures = new List<string>();
        foreach (var c in TestData.GoldenCases("qwen-nonbmp.json"))
        {
            int[] ids = c!["ids"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray();
            Check(failures, ids, false, c["decoded"]!.GetValue<string>());
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    [Fact]
    public void Decode_GoldenEncodings_MatchHfText()
    {
        var failures = new List<string>();
        foreach (var c in TestData.GoldenCases("qwen-encode.json"))
        {
            int[] ids = c!["ids"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray();
            Check(failures, ids, false, c["decoded"]!.GetValue<string>());
            Check(failures, ids, true, c["decoded_skip_special"]!.GetValue<string>());
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    [Fact]
    public void Decode_GoldenIdSequences_MatchHfTextIncludingReplacementChars()
    {
        var failures = new List<string>();
        var cases = TestData.GoldenCases("qwen-decode.json");
        foreach (var c in cases)
        {
            int[] ids = c!["ids"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray();
            Check(failures, ids, false, c["text"]!.GetValue<string>());
            Check(failures, ids, true, c["text_skip_special"]!.GetValue<string>());
        }
        Assert.True(failures.Count == 0, $"{failures.Count} decodes differ:\n" + string.Join("\n", failures.Take(20)));
    }

    [Fact]
    public void StreamDecoder_GoldenIdSequences_ConcatenationEqualsDecode()
    {
        foreach (var source in new[] { "qwen-encode.json", "qwen-decode.json" })
        {
            foreach (var c in TestData.GoldenCases(source))
            {
                int[] ids = c!["ids"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray();
                foreach (bool skip in new[] { false, true })
                {
                    var stream = Tokenizer.CreateStreamDecoder(skip);
                    var sb = new System.Text.StringBuilder();
                    foreach (int id in ids)
                    {
                        string piece = stream.Push(id);
                        Assert.False(piece.Length > 0 && char.IsHighSurrogate(piece[^1]), "a chunk ended inside a surrogate pair");
                        sb.Append(piece);
                    }
                    sb.Append(stream.Flush());
                    Assert.Equal(Tokenizer.Decode(ids, skip), sb.ToString());
                }
            }
        }
    }

    [Fact]
    public void Lookups_QwenSpecialTokens_MatchConfig()
    {
        Assert.Equal(151669, Tokenizer.VocabSize);
        Assert.Equal(151645, Tokenizer.EosTokenId);
        Assert.Equal("<|im_end|>", Tokenizer.EosToken);
        Assert.Equal(151643, Tokenizer.PadTokenId);
        Assert.Null(Tokenizer.BosTokenId);
        Assert.Equal(151644, Tokenizer.TokenToId("<|im_start|>"));
        Assert.Equal(151667, Tokenizer.TokenToId("<think>"));
        Assert.Equal(9707, Tokenizer.TokenToId("Hello"));
        Assert.Null(Tokenizer.TokenToId("<extra_0>"));
        Assert.Equal("<|im_end|>", Tokenizer.IdToToken(151645));
        Assert.Equal("Ġworld", Tokenizer.IdToToken(1879));
        Assert.Null(Tokenizer.IdToToken(Tokenizer.VocabSize));
        Assert.True(Tokenizer.IsSpecialToken(151645));
        Assert.False(Tokenizer.IsSpecialToken(151667)); // <think> is added but not special
    }

    [Fact]
    public void Encode_SplitSpecialTokens_EncodesMarkersAsText()
    {
        int[] ids = Tokenizer.Encode("<|im_end|><think>", splitSpecialTokens: true);
        Assert.DoesNotContain(151645, ids);
        Assert.Equal(151667, ids[^1]); // <think> is not special, so it is still split out
        Assert.Equal("<|im_end|><think>", Tokenizer.Decode(ids));
    }

    [Fact]
    public void Decode_IdOutsideVocabulary_Throws()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Decode(new[] { 1, Tokenizer.VocabSize + 10 }));
        Assert.Contains((Tokenizer.VocabSize + 10).ToString(), e.Message);
    }

    private void Check(List<string> failures, int[] ids, bool skip, string expected)
    {
        string actual = Tokenizer.Decode(ids, skip);
        if (actual != expected)
            failures.Add($"[{string.Join(",", ids)}] skip={skip}: expected {JsonSerializer.Serialize(expected)}, got {JsonSerializer.Serialize(actual)}");
    }

    private string Show(int[] ids) => JsonSerializer.Serialize(ids.Select(i => Tokenizer.IdToToken(i)), JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}

public sealed class QwenConcurrencyTests(QwenTokenizerFixture fixture) : IClassFixture<QwenTokenizerFixture>
{
    [Fact]
    public void Encode_ConcurrentCallers_GetTheSameIdsAsSequential()
    {
        var texts = TestData.GoldenCases("qwen-encode.json").Select(c => c!["text"]!.GetValue<string>()).ToArray();
        var expected = texts.Select(t => fixture.Tokenizer.Encode(t)).ToArray();
        fixture.Tokenizer.ClearCache();
        var actual = new int[texts.Length * 4][];
        Parallel.For(0, actual.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => actual[i] = fixture.Tokenizer.Encode(texts[i % texts.Length]));
        for (int i = 0; i < actual.Length; i++) Assert.Equal(expected[i % texts.Length], actual[i]);
    }
}

/// <summary>
/// Llama-3's pre-tokenizer (numbers of up to three digits) and ignore_merges, on Qwen's vocabulary
/// (llama3-style/, written by setup.sh), against HF's ids.
/// </summary>
public sealed class Llama3StyleGoldenTests
{
    private static string RequireDir()
    {
        string dir = Path.Combine(TestData.TokenizersDir, "llama3-style");
        if (!File.Exists(Path.Combine(dir, "tokenizer.json")))
            Assert.Fail($"{dir}/tokenizer.json is missing: run tests/data/tokenizers/setup.sh before these tests.");
        return dir;
    }

    [Fact]
    public void Encode_GoldenStrings_MatchHfIds()
    {
        var tokenizer = BpeTokenizer.FromDirectory(RequireDir());
        Assert.IsType<PreTokenization.Qwen2PreTokenizer>(tokenizer.PreTokenizer);
        var cases = TestData.GoldenCases("llama3-style-encode.json");
        var failures = new List<string>();
        foreach (var c in cases)
        {
            string text = c!["text"]!.GetValue<string>();
            int[] expected = c["ids"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray();
            int[] actual = tokenizer.Encode(text);
            if (!expected.SequenceEqual(actual))
                failures.Add($"{JsonSerializer.Serialize(text)}: expected [{string.Join(",", expected)}], actual [{string.Join(",", actual)}]");
        }
        Assert.True(cases.Count >= 1100, $"only {cases.Count} golden strings");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} strings differ:\n" + string.Join("\n", failures.Take(20)));
    }

    [Fact]
    public void MlTokenizersEngine_IgnoreMerges_IsRefusedNamingTheKey()
    {
        var e = Assert.Throws<InvalidDataException>(() => BpeTokenizer.FromDirectory(RequireDir(), BpeMergeEngine.MlTokenizers));
        Assert.Contains("ignore_merges", e.Message);
        Assert.Contains("tokenizer.json", e.Message);
    }
}
