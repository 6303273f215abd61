using System.Text.Json.Nodes;

namespace ReasonFlux.Tokenizers.Tests;

public sealed class TokenizerLoadingErrorTests
{
    private static InvalidDataException Fails(JsonObject doc) =>
        Assert.Throws<InvalidDataException>(() => BpeTokenizer.FromJson(doc.ToJsonString(), source: "t/tokenizer.json"));

    [Fact]
    public void FromFile_MissingFile_ThrowsFileNotFound()
    {
        var e = Assert.Throws<FileNotFoundException>(() => BpeTokenizer.FromFile("/nonexistent/tokenizer.json"));
        Assert.Contains("/nonexistent/tokenizer.json", e.Message);
    }

    [Fact]
    public void FromDirectory_MissingDirectoryOrFile_ThrowsWithPath()
    {
        Assert.Throws<DirectoryNotFoundException>(() => BpeTokenizer.FromDirectory("/nonexistent-dir"));
        string dir = Directory.CreateTempSubdirectory().FullName;
        try
        {
            var e = Assert.Throws<FileNotFoundException>(() => BpeTokenizer.FromDirectory(dir));
            Assert.Contains("tokenizer.json", e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void FromFile_MalformedJson_NamesFileAndLine()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "tokenizer.json");
        File.WriteAllText(path, "{\n  \"model\": {\n    \"type\": \"BPE\",,\n}");
        var e = Assert.Throws<InvalidDataException>(() => BpeTokenizer.FromFile(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("line 3", e.Message);
    }

    [Fact]
    public void FromJson_MergeWithUnknownToken_NamesMergeAndToken()
    {
        var doc = TinyTokenizer.Document();
        doc["model"]!["merges"]!.AsArray().Add(new JsonArray("q", "zz"));
        var e = Fails(doc);
        Assert.Contains("model.merges[11]", e.Message);
        Assert.Contains("\"zz\"", e.Message);
    }

    [Fact]
    public void FromJson_MergeStringWithoutOneSpace_IsRejected()
    {
        var doc = TinyTokenizer.Document(mergesAsStrings: true);
        doc["model"]!["merges"]!.AsArray().Add("abc");
        Assert.Contains("model.merges[11]", Fails(doc).Message);
    }

    [Fact]
    public void FromJson_UnknownModelType_NamesType()
    {
        var doc = TinyTokenizer.Document();
        doc["model"]!["type"] = "WordPiece";
        Assert.Contains("\"WordPiece\"", Fails(doc).Message);
    }

    [Fact]
    public void FromJson_UnsupportedComponents_AreRejectedByName()
    {
        var normalizer = TinyTokenizer.Document();
        normalizer["normalizer"] = new JsonObject { ["type"] = "Lowercase" };
        Assert.Contains("Lowercase", Fails(normalizer).Message);

        var decoder = TinyTokenizer.Document();
        decoder["decoder"] = new JsonObject { ["type"] = "WordPiece" };
        Assert.Contains("decoder", Fails(decoder).Message);

        var dropout = TinyTokenizer.Document();
        dropout["model"]!["dropout"] = 0.1;
        Assert.Contains("dropout", Fails(dropout).Message);

        var missingByte = TinyTokenizer.Document();
        missingByte["model"]!["vocab"]!.AsObject().Remove("!");
        Assert.Contains("byte", Fails(missingByte).Message);
    }

    [Fact]
    public void FromJson_OtherSplitPattern_FallsBackToRegex()
    {
        var doc = TinyTokenizer.Document();
        doc["pre_tokenizer"]!["pretokenizers"]![0]!["pattern"]!["Regex"] = @"\p{L}+|\s+|[^\s\p{L}]+";
        var t = BpeTokenizer.FromJson(doc.ToJsonString());
        Assert.Equal("hello world!", t.Decode(t.Encode("hello world!")));
    }

    [Fact]
    public void FromJson_ConfigEosNotInVocabulary_Throws()
    {
        var e = Assert.Throws<InvalidDataException>(() => TinyTokenizer.Create(config: """{"eos_token": "<|nope|>"}"""));
        Assert.Contains("eos_token", e.Message);
    }

    [Fact]
    public void TokenizerConfig_ChatTemplateWrongType_Throws()
    {
        var e = Assert.Throws<InvalidDataException>(() => TokenizerConfig.Parse("""{"chat_template": 5}""", "cfg.json"));
        Assert.Contains("cfg.json", e.Message);
        Assert.Contains("chat_template", e.Message);
    }
}
