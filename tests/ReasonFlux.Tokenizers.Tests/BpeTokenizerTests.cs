using System.Text;
using System.Text.Json.Nodes;

namespace ReasonFlux.Tokenizers.Tests;

public sealed class BpeTokenizerTests
{
    private static readonly BpeTokenizer Tiny = TinyTokenizer.Create();

    private static string[] Tokens(BpeTokenizer t, string text) => t.EncodeToTokens(text).Select(x => x.Value).ToArray();

    [Fact]
    public void Encode_MergesInRankOrder_ProducesMergedTokens()
    {
        Assert.Equal(["hello", "Ġworld"], Tokens(Tiny, "hello world"));
        Assert.Equal(["hell", "Ġw"], Tokens(Tiny, "hell w"));
        // "aaaaa": aa+aa merges first pair-wise from the left, then aaaa; the fifth a stays.
        Assert.Equal(["aaaa", "a"], Tokens(Tiny, "aaaaa"));
    }

    [Fact]
    public void Encode_MergesAsStringsOrPairs_GiveTheSameIds()
    {
        var fromStrings = TinyTokenizer.Create(mergesAsStrings: true);
        foreach (var text in new[] { "hello world", "aaaaaaa", "held", "" })
            Assert.Equal(Tiny.Encode(text), fromStrings.Encode(text));
    }

    [Fact]
    public void Encode_AddedTokens_MatchedLeftmostLongestOnRawText()
    {
        Assert.Equal([1000, 104, 105, 1001], Tiny.Encode("<|im_start|>hi<|im_end|>"));
        // "<|im_end|>x" is longer than "<|im_end|>" and wins at the same position.
        Assert.Equal([1003, 121], Tiny.Encode("<|im_end|>xy"));
        Assert.Equal([1002], Tiny.Encode("<think>"));
        // A truncated marker is plain text.
        Assert.Equal("<|im_end", Tiny.Decode(Tiny.Encode("<|im_end")));
        Assert.DoesNotContain(1001, Tiny.Encode("<|im_end"));
    }

    [Fact]
    public void Encode_SplitSpecialTokens_KeepsNonSpecialAddedTokens()
    {
        int[] ids = Tiny.Encode("<|im_start|><think>", splitSpecialTokens: true);
        Assert.DoesNotContain(1000, ids);
        Assert.Equal(1002, ids[^1]);
    }

    [Fact]
    public void Encode_AddedTokenStripFlags_TakeAdjacentWhitespace()
    {
        var added = new JsonArray
        {
            TinyTokenizer.AddedToken(1000, "<L>", special: true, lstrip: true),
            TinyTokenizer.AddedToken(1001, "<R>", special: true, rstrip: true),
            TinyTokenizer.AddedToken(1002, "<W>", special: true, singleWord: true),
        };
        var t = TinyTokenizer.Create(addedTokens: added);
        Assert.Equal([97, 1000], t.Encode("a  <L>"));
        Assert.Equal([1001, 98], t.Encode("<R>  b"));
        Assert.Equal([1002], t.Encode("<W>"));
        Assert.DoesNotContain(1002, t.Encode("x<W>"));
    }

    [Fact]
    public void Encode_NormalizedAddedToken_MatchesAfterNfc()
    {
        var added = new JsonArray { TinyTokenizer.AddedToken(1000, "caf\u00E9", special: false, normalized: true) };
        var t = TinyTokenizer.Create(addedTokens: added);
        Assert.Equal([1000], t.Encode("cafe\u0301"));
    }

    [Fact]
    public void Encode_NfcNormalizer_ComposesBeforeBpe()
    {
        Assert.Equal(Tiny.Encode("\u00E9"), Tiny.Encode("e\u0301"));
        Assert.Equal(Tiny.Encode("\u00C5"), Tiny.Encode("\u212B"));
        Assert.Equal(Tiny.Encode("\uD55C"), Tiny.Encode("\u1112\u1161\u11AB"));
    }

    [Fact]
    public void Encode_LoneSurrogate_EncodesAsReplacementCharacterBytes()
    {
        var ids = Tiny.Encode("a\uD800b");
        Assert.Equal("a\uFFFDb", Tiny.Decode(ids));
    }

    [Fact]
    public void Encode_LongPiece_UsesHeapPathAndRoundTrips()
    {
        string text = new string('a', 5000) + " " + new string('\u4F60', 3000);
        Assert.Equal(text, Tiny.Decode(Tiny.Encode(text)));
        Assert.Equal(1250, Tiny.Encode(new string('a', 5000)).Length);
    }

    [Fact]
    public void Decode_PartialUtf8_UsesReplacementCharacterLikeHf()
    {
        // Byte-level ids are the byte values in the tiny vocabulary.
        Assert.Equal("\u4F60", Tiny.Decode([0xE4, 0xBD, 0xA0]));
        Assert.Equal("\uFFFD", Tiny.Decode([0xE4, 0xBD]));
        Assert.Equal("a\uFFFDb", Tiny.Decode([0x61, 0xE4, 0xBD, 0x62]));
        Assert.Equal("\uFFFD\uFFFD", Tiny.Decode([0x80, 0x80]));
        Assert.Equal("\uFFFDA\uFFFD\uFFFD\uFFFD", Tiny.Decode([0xF0, 0x9F, 0x41, 0xED, 0xA0, 0x80]));
    }

    [Fact]
    public void Decode_SkipSpecialTokens_DropsOnlySpecialAddedTokens()
    {
        int[] ids = Tiny.Encode("<|im_start|>hi<think><|im_end|>");
        Assert.Equal("<|im_start|>hi<think><|im_end|>", Tiny.Decode(ids));
        Assert.Equal("hi<think>", Tiny.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void StreamDecoder_SplitCharacter_HoldsBackUntilComplete()
    {
        var stream = Tiny.CreateStreamDecoder();
        Assert.Equal("a", stream.Push(0x61));
        Assert.Equal("", stream.Push(0xF0));
        Assert.Equal("", stream.Push(0x9F));
        Assert.Equal("", stream.Push(0xA4));
        Assert.Equal(3, stream.PendingByteCount);
        Assert.Equal("\U0001F916", stream.Push(0x96));
        Assert.Equal(0, stream.PendingByteCount);
        Assert.Equal("", stream.Push(0xE4));
        Assert.Equal("\uFFFD", stream.Flush());
    }

    [Fact]
    public void StreamDecoder_InvalidContinuation_EmitsReplacementImmediately()
    {
        var stream = Tiny.CreateStreamDecoder();
        Assert.Equal("", stream.Push(0xE4));
        Assert.Equal("\uFFFDA", stream.Push(0x41));
        Assert.Equal("", stream.Push(0xED));
        Assert.Equal("\uFFFD\uFFFD", stream.Push(0xA0)); // ED A0 starts a surrogate: invalid at once
    }

    [Fact]
    public void StreamDecoder_RandomByteSequences_ConcatenationEqualsDecode()
    {
        var random = new Random(7);
        int[] interesting = [0x41, 0x80, 0xBF, 0xC2, 0xC3, 0xE0, 0xE4, 0xED, 0xF0, 0xF4, 0xF5, 0xFF, 0xA0, 0x9F, 0x8F, 0x90];
        for (int trial = 0; trial < 2000; trial++)
        {
            int[] ids = Enumerable.Range(0, random.Next(1, 9)).Select(_ => interesting[random.Next(interesting.Length)]).ToArray();
            var stream = Tiny.CreateStreamDecoder();
            var sb = new StringBuilder();
            foreach (int id in ids) sb.Append(stream.Push(id));
            sb.Append(stream.Flush());
            Assert.Equal(Tiny.Decode(ids), sb.ToString());
        }
    }

    [Fact]
    public void Lookups_TinyTokenizer_ResolveAddedAndModelTokens()
    {
        Assert.Equal(1004, Tiny.VocabSize);
        Assert.Equal(1001, Tiny.TokenToId("<|im_end|>"));
        Assert.Equal(65, Tiny.TokenToId("A"));
        Assert.Null(Tiny.TokenToId("nope"));
        Assert.Equal("<think>", Tiny.IdToToken(1002));
        Assert.Null(Tiny.IdToToken(999));
        Assert.True(Tiny.IsSpecialToken(1000));
        Assert.False(Tiny.IsSpecialToken(1002));
        Assert.Null(Tiny.EosTokenId);
    }

    [Fact]
    public void FromJson_ConfigSpecialTokens_ResolveIds()
    {
        var t = TinyTokenizer.Create(config: """{"eos_token": "<|im_end|>", "pad_token": {"content": "<|im_start|>"}, "bos_token": null}""");
        Assert.Equal(1001, t.EosTokenId);
        Assert.Equal(1000, t.PadTokenId);
        Assert.Null(t.BosTokenId);
    }

    [Fact]
    public void FromJson_ConfigAddedTokensDecoder_AddsMissingTokens()
    {
        var t = TinyTokenizer.Create(config: """{"added_tokens_decoder": {"1010": {"content": "<extra_0>", "special": true}}}""");
        Assert.Equal(1010, t.TokenToId("<extra_0>"));
        Assert.Equal([97, 1010, 98], t.Encode("a<extra_0>b"));
    }

    [Fact]
    public void Decode_UnknownId_ThrowsNamingTheId()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Tiny.Decode([97, 999]));
        Assert.Contains("999", e.Message);
    }
}
