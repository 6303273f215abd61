namespace ReasonFlux.Checkpoints.Tests;

public sealed class HfModelFolderTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void CopyTokenizerFiles_PresentFilesOnly_CopiedVerbatim()
    {
        string src = Path.Combine(_dir.Path, "src"), dst = Path.Combine(_dir.Path, "out", "step-10");
        Directory.CreateDirectory(src);
        File.WriteAllText(Path.Combine(src, "tokenizer.json"), "{\"model\":{}}");
        File.WriteAllText(Path.Combine(src, "tokenizer_config.json"), "{\"chat_template\":\"x\"}");
        File.WriteAllText(Path.Combine(src, "merges.txt"), "#version\nĠ t\n");
        File.WriteAllText(Path.Combine(src, "generation_config.json"), "{}");
        File.WriteAllText(Path.Combine(src, "model.safetensors"), "weights are not tokenizer files");
        var copied = HfModelFolder.CopyTokenizerFiles(src, dst);
        Assert.Equal(["generation_config.json", "merges.txt", "tokenizer.json", "tokenizer_config.json"], copied.Order());
        Assert.Equal(copied.Order(), Directory.EnumerateFiles(dst).Select(Path.GetFileName).Order());
        Assert.Equal(File.ReadAllBytes(Path.Combine(src, "merges.txt")), File.ReadAllBytes(Path.Combine(dst, "merges.txt")));
        // Overwrites on a second save.
        File.WriteAllText(Path.Combine(src, "tokenizer.json"), "{\"v\":2}");
        HfModelFolder.CopyTokenizerFiles(src, dst);
        Assert.Equal("{\"v\":2}", File.ReadAllText(Path.Combine(dst, "tokenizer.json")));
    }

    [Fact]
    public void CopyTokenizerFiles_NoTokenizer_FileNotFound()
    {
        string src = Path.Combine(_dir.Path, "src");
        Directory.CreateDirectory(src);
        File.WriteAllText(Path.Combine(src, "config.json"), "{}");
        var e = Assert.Throws<FileNotFoundException>(() => HfModelFolder.CopyTokenizerFiles(src, Path.Combine(_dir.Path, "dst")));
        Assert.Contains("tokenizer.json", e.Message);
    }
}
