using ReasonFlux.Tokenizers.Normalization;
using ReasonFlux.Tokenizers.PreTokenization;

namespace ReasonFlux.Tokenizers.Tests;

public sealed class PreTokenizerTests
{
    private static string[] Split(string text)
    {
        var pieces = new List<PieceRange>();
        new Qwen2PreTokenizer().Split(text, pieces);
        return pieces.Select(p => text.Substring(p.Start, p.Length)).ToArray();
    }

    [Theory]
    [InlineData("Hello world", new[] { "Hello", " world" })]
    [InlineData("  leading spaces\n\n\ttabs", new[] { " ", " leading", " spaces", "\n\n", "\ttabs" })]
    [InlineData("a \n b", new[] { "a", " \n", " b" })]
    [InlineData("IT'S we're", new[] { "IT", "'S", " we", "'re" })]
    [InlineData("x𝐀y 𝟙2", new[] { "x𝐀y", " ", "𝟙", "2" })]
    [InlineData("$\\frac{1}{2}$", new[] { "$\\", "frac", "{", "1", "}{", "2", "}$" })]
    [InlineData("end  ", new[] { "end", "  " })]
    [InlineData("a;\r\n\r\nb", new[] { "a", ";\r\n\r\n", "b" })]
    public void Split_Qwen2Pattern_MatchesHfPieces(string text, string[] expected)
    {
        Assert.Equal(expected, Split(text));
    }

    [Theory]
    [InlineData("12345", new[] { "123", "45" })]
    [InlineData("x1234 5", new[] { "x", "123", "4", " ", "5" })]
    [InlineData("𝟏𝟐𝟑𝟒", new[] { "𝟏𝟐𝟑", "𝟒" })] // three code points, six UTF-16 units
    [InlineData("1𝟏٣x", new[] { "1𝟏٣", "x" })]
    public void Split_Llama3Pattern_TakesUpToThreeNumberCodePoints(string text, string[] expected)
    {
        var pre = PreTokenizer.ForPattern(Qwen2PreTokenizer.Llama3Pattern);
        Assert.IsType<Qwen2PreTokenizer>(pre);
        var pieces = new List<PieceRange>();
        pre.Split(text, pieces);
        Assert.Equal(expected, pieces.Select(p => text.Substring(p.Start, p.Length)).ToArray());
    }

    [Fact]
    public void Split_AstralLetters_DifferFromDotNetRegexFallback()
    {
        // The reason the scanner exists: .NET Regex sees surrogates, not letters.
        var pieces = new List<PieceRange>();
        const string text = "x𝐀y";
        new RegexPreTokenizer(Qwen2PreTokenizer.Pattern).Split(text, pieces);
        Assert.Equal(3, pieces.Count);
        Assert.Single(Split(text));
    }

    [Fact]
    public void Nfc_KnownCases_MatchUnicode()
    {
        Assert.Equal("\u00E9", NfcNormalizer.Normalize("e\u0301"));
        Assert.Equal("\u00C5", NfcNormalizer.Normalize("\u212B"));
        Assert.Equal("\u1E69", NfcNormalizer.Normalize("s\u0323\u0307"));
        Assert.Equal("\u1E69", NfcNormalizer.Normalize("s\u0307\u0323"));
        Assert.Equal("\uD55C", NfcNormalizer.Normalize("\u1112\u1161\u11AB"));
        Assert.Equal("\uFB01", NfcNormalizer.Normalize("\uFB01")); // compatibility only: unchanged
        Assert.Equal("\u0915\u093C", NfcNormalizer.Normalize("\u0958")); // composition exclusion
        Assert.Equal("\u1EAD", NfcNormalizer.Normalize("a\u0302\u0323")); // reordered by combining class, then composed twice
        Assert.Equal("x\u0301", NfcNormalizer.Normalize("x\u0301")); // no composite exists
        string ascii = "plain ascii text";
        Assert.Same(ascii, NfcNormalizer.Normalize(ascii));
    }
}

public sealed class NfcGoldenTests
{
    // nfc.json: Python unicodedata on Unicode 9.0 code points; hf-nfc.json: HF tokenizers' own NFC on
    // NormalizationTest.txt 15.0 strings, including the code points after 9.0 that HF leaves alone.
    [Theory]
    [InlineData("nfc.json", 3000)]
    [InlineData("hf-nfc.json", 5000)]
    public void Normalize_GoldenStrings_MatchReference(string golden, int minCases)
    {
        var cases = TestData.GoldenCases(golden);
        var failures = cases
            .Where(c => NfcNormalizer.Normalize(c!["text"]!.GetValue<string>()) != c["nfc"]!.GetValue<string>())
            .Select(c => c!["text"]!.ToJsonString())
            .ToList();
        Assert.True(cases.Count >= minCases);
        Assert.True(failures.Count == 0, $"{failures.Count} differ: " + string.Join(", ", failures.Take(10)));
    }
}
