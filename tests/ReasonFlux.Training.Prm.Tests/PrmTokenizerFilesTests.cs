using ReasonFlux.Models.Builtin;
using ReasonFlux.Tokenizers;

namespace ReasonFlux.Training.Prm.Tests;

public class PrmTokenizerFilesTests
{
    [Fact]
    public void Prepare_TokenizerWithoutSeparator_AddsItAsOneSpecialTokenAfterTheVocabulary()
    {
        using var dir = new TempDir();
        var baseDir = BuiltinModels.Materialize("builtin:tiny", dir["base"]);
        var files = PrmTokenizerFiles.Prepare(baseDir, "<extra_9>", embeddingRows: 300, chatTemplate: null);
        Assert.True(files.AddedSeparator);
        Assert.Equal(262, files.SeparatorId);
        Assert.Equal([(int)'a', 262, (int)'b'], files.Tokenizer.Encode("a<extra_9>b"));

        files.WriteTo(dir["out"]);
        var reloaded = BpeTokenizer.FromDirectory(dir["out"]);
        Assert.Equal(262, reloaded.TokenToId("<extra_9>"));
        Assert.Equal(ChatTemplate.FromTokenizerConfig(baseDir).Source, ChatTemplate.FromTokenizerConfig(dir["out"]).Source);
    }

    [Fact]
    public void Prepare_SeparatorPresent_KeepsTokenizerJsonByteIdentical()
    {
        using var dir = new TempDir();
        var baseDir = BuiltinModels.Materialize("builtin:tiny", dir["base"]);
        var files = PrmTokenizerFiles.Prepare(baseDir, "<extra_0>", embeddingRows: 262, chatTemplate: null);
        Assert.False(files.AddedSeparator);
        Assert.Equal(261, files.SeparatorId);
        files.WriteTo(dir["out"]);
        Assert.Equal(File.ReadAllBytes(Path.Combine(baseDir, "tokenizer.json")), File.ReadAllBytes(Path.Combine(dir["out"], "tokenizer.json")));
    }

    [Fact]
    public void Prepare_NoSpareEmbeddingRow_FailsNamingTheToken()
    {
        using var dir = new TempDir();
        var baseDir = BuiltinModels.Materialize("builtin:tiny", dir["base"]);
        var e = Assert.Throws<InvalidDataException>(() => PrmTokenizerFiles.Prepare(baseDir, "<extra_9>", embeddingRows: 262, chatTemplate: null));
        Assert.Contains("<extra_9>", e.Message);
        Assert.Contains("step_separator", e.Message);
    }
}
