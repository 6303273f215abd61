using System.Buffers;
using System.Text;
using ReasonFlux.Tokenizers.Normalization;
using ReasonFlux.Tokenizers.PreTokenization;
using MlTokenizer = Microsoft.ML.Tokenizers.Tokenizer;

namespace ReasonFlux.Tokenizers.Tests;

/// <summary>
/// The tokenizer through the Microsoft.ML.Tokenizers abstraction only, as Microsoft.Extensions.AI or Semantic
/// Kernel would call it, against the HF goldens.
/// </summary>
public sealed class MlTokenizerApiTests(QwenTokenizerFixture fixture) : IClassFixture<QwenTokenizerFixture>
{
    private MlTokenizer Tokenizer => fixture.Tokenizer;

    private static IEnumerable<(string Text, int[] Ids, string Decoded)> Goldens() =>
        new[] { "qwen-encode.json", "qwen-nonbmp.json" }.SelectMany(TestData.GoldenCases).Select(c =>
            (c!["text"]!.GetValue<string>(), c["ids"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray(), c["decoded"]!.GetValue<string>()));

    [Fact]
    public void Factory_ReturnsAnMlTokenizersTokenizer_WithOurPreTokenizerAndNfc()
    {
        MlTokenizer tokenizer = BpeTokenizer.FromDirectory(TestData.RequireQwenTokenizerDir());
        Assert.IsType<Qwen2PreTokenizer>(tokenizer.PreTokenizer);
        Assert.Same(NfcTextNormalizer.Instance, tokenizer.Normalizer);
        Assert.Equal("é", tokenizer.Normalizer!.Normalize("e\u0301"));
    }

    [Fact]
    public void EncodeToIdsCountTokensDecode_AllGoldens_MatchHf()
    {
        var failures = new List<string>();
        foreach (var (text, ids, decoded) in Goldens())
        {
            if (!ids.SequenceEqual(Tokenizer.EncodeToIds(text))) failures.Add($"EncodeToIds {text}");
            if (!ids.SequenceEqual(Tokenizer.EncodeToIds(text.AsSpan()))) failures.Add($"EncodeToIds(span) {text}");
            if (Tokenizer.CountTokens(text) != ids.Length) failures.Add($"CountTokens {text}");
            if (Tokenizer.Decode(ids) != decoded) failures.Add($"Decode {text}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    [Fact]
    public void EncodeToTokens_AllGoldens_OffsetsTileTheTextAndMatchTheTokenBytes()
    {
        var bpe = fixture.Tokenizer;
        foreach (var (text, ids, _) in Goldens())
        {
            var tokens = Tokenizer.EncodeToTokens(text, out string? normalized);
            string work = normalized ?? text;
            Assert.Equal(ids, tokens.Select(t => t.Id));
            int end = 0;
            var bytes = new List<byte>();
            int rangeStart = 0;
            foreach (var t in tokens)
            {
                var (start, stop) = (t.Offset.Start.Value, t.Offset.End.Value);
                // Tokens follow each other; one that starts inside a character shares that character with the one before.
                Assert.True(start == end || (start < end && stop >= end), $"{text}: token {t.Value} at {start}..{stop} after {end}");
                if (start == end && bytes.Count == 0) rangeStart = start;
                bytes.AddRange(bpe.GetTokenBytes(t.Id).ToArray());
                end = stop;
                var whole = Encoding.UTF8.GetBytes(work[rangeStart..end]);
                if (whole.AsSpan().SequenceEqual(bytes.ToArray()))
                {
                    bytes.Clear();
                    rangeStart = end;
                }
            }
            Assert.Equal(work.Length, end);
            Assert.Empty(bytes);
        }
    }

    [Fact]
    public void EncodeToTokens_TextThatNfcChanges_ReturnsNormalizedTextAndItsOffsets()
    {
        var tokens = Tokenizer.EncodeToTokens("x<|im_end|>cafe\u0301", out string? normalized);
        Assert.Equal("x<|im_end|>café", normalized);
        Assert.Equal(151645, tokens[1].Id);
        Assert.Equal(new Range(1, 11), tokens[1].Offset);
        Assert.Equal(normalized!.Length, tokens[^1].Offset.End.Value);
        Tokenizer.EncodeToTokens("plain", out string? unchanged);
        Assert.Null(unchanged);
    }

    [Fact]
    public void EncodeToIds_WithoutNormalization_KeepsTheDecomposedForm()
    {
        int[] normalized = Tokenizer.EncodeToIds("e\u0301").ToArray();
        int[] raw = Tokenizer.EncodeToIds("e\u0301", considerPreTokenization: true, considerNormalization: false).ToArray();
        Assert.NotEqual(normalized, raw);
        Assert.Equal("e\u0301", Tokenizer.Decode(raw));
    }

    [Fact]
    public void EncodeToIds_WithoutPreTokenization_MergesAcrossWords()
    {
        // Pre-tokenized: "  " + " x"; as one piece the three spaces merge into one token.
        var ids = Tokenizer.EncodeToIds("   x", considerPreTokenization: false, considerNormalization: true);
        Assert.Equal(new[] { 256, 856 }, Tokenizer.EncodeToIds("   x"));
        Assert.Equal(new[] { 262, 87 }, ids);
    }

    [Fact]
    public void EncodeToIds_MaxTokenCount_ReturnsAPrefixEndingOnACharacter()
    {
        foreach (var (text, ids, _) in Goldens().Where(g => g.Ids.Length >= 3))
        {
            foreach (int max in new[] { 1, 2, ids.Length - 1 })
            {
                var prefix = Tokenizer.EncodeToIds(text, max, out string? normalized, out int consumed);
                string work = normalized ?? text;
                Assert.True(prefix.Count <= max, $"{text}: {prefix.Count} > {max}");
                Assert.Equal(ids.Take(prefix.Count), prefix);
                Assert.Equal(work[..consumed], Tokenizer.Decode(prefix));
            }
        }
    }

    [Fact]
    public void GetIndexByTokenCount_BothEnds_CountTheTokensOfTheText()
    {
        const string text = "Hello world, 😀 你好 𝐀𝐁 done.";
        int total = Tokenizer.CountTokens(text);
        int index = Tokenizer.GetIndexByTokenCount(text, 3, out _, out int count);
        Assert.Equal(3, count);
        Assert.Equal(Tokenizer.Decode(Tokenizer.EncodeToIds(text).Take(3)), text[..index]);
        int fromEnd = Tokenizer.GetIndexByTokenCountFromEnd(text, 2, out _, out int countFromEnd);
        Assert.Equal(2, countFromEnd);
        Assert.Equal(Tokenizer.Decode(Tokenizer.EncodeToIds(text).Skip(total - 2)), text[fromEnd..]);
        Assert.Equal(text.Length, Tokenizer.GetIndexByTokenCount(text, total + 5, out _, out count));
        Assert.Equal(total, count);
    }

    [Fact]
    public void DecodeToSpan_SmallDestinations_NeverSplitACharacterAndResumeExactly()
    {
        foreach (var (_, ids, decoded) in Goldens().Where(g => g.Ids.Length > 0).Take(400))
        {
            var full = new char[decoded.Length];
            Assert.Equal(OperationStatus.Done, Tokenizer.Decode(ids, full, out int allIds, out int allChars));
            Assert.Equal((ids.Length, decoded), (allIds, new string(full, 0, allChars)));

            // Decode in windows of at most 3 chars: each call consumes whole ids and their whole characters.
            var sb = new StringBuilder();
            int next = 0;
            while (next < ids.Length)
            {
                var window = new char[3];
                var status = Tokenizer.Decode(ids.Skip(next), window, out int used, out int written);
                if (used == 0)
                {
                    // One id (or a run that ends inside a character) needs more room than the window: take it whole.
                    Assert.Equal(OperationStatus.DestinationTooSmall, status);
                    var big = new char[decoded.Length + 8];
                    Tokenizer.Decode(ids.Skip(next), big, out used, out written);
                    sb.Append(big, 0, written);
                    next += used;
                    continue;
                }
                sb.Append(window, 0, written);
                next += used;
            }
            Assert.Equal(decoded, sb.ToString());
        }
    }

    [Fact]
    public void DecodeToSpan_UnknownId_IsInvalidData()
    {
        var status = Tokenizer.Decode(new[] { 9707, int.MaxValue }, new char[64], out int used, out int written);
        Assert.Equal(OperationStatus.InvalidData, status);
        Assert.Equal(1, used);
        Assert.Equal(5, written);
    }

    [Fact]
    public void PreTokenize_ThroughTheMlApi_EqualsSplit()
    {
        var pre = (PreTokenizer)Tokenizer.PreTokenizer!;
        foreach (var (text, _, _) in Goldens())
        {
            var pieces = new List<PieceRange>();
            pre.Split(text, pieces);
            Assert.Equal(pieces.Select(p => (p.Start, p.Length)), pre.PreTokenize(text));
        }
    }
}
