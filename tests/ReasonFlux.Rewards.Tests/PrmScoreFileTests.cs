using System.Text.Json.Nodes;

namespace ReasonFlux.Rewards.Tests;

public class PrmScoreFileTests : IDisposable
{
    private readonly TinyPrmFolders _folders = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("rf-score-file-").FullName;

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Fact]
    public void Score_ResponseAndStepsLines_AddsScoresKeepingInputFields()
    {
        using var scorer = PrmScorer.Load(_folders.Copy("tiny-qwen2-prm"));
        File.WriteAllText(PathOf("in.jsonl"),
            "{\"problem\":\"1+1?\",\"response\":\"a\\n\\nb\",\"id\":7}\n\n{\"problem\":\"2+2?\",\"steps\":[\"x\",\"y\",\"z\"],\"answer\":\"4\"}\n");
        var summary = PrmScoreFile.Score(scorer, PathOf("in.jsonl"), PathOf("out.jsonl"), chunkSize: 1);
        Assert.Equal(2, summary.Lines);
        var lines = File.ReadAllLines(PathOf("out.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();
        Assert.Equal(7, (int)lines[0]["id"]!);
        Assert.Equal(2, lines[0]["step_scores"]!.AsArray().Count);
        Assert.Equal(3, lines[1]["step_scores"]!.AsArray().Count);
        var direct = scorer.Score("1+1?", "a\n\nb");
        Assert.Equal(direct.Score, (double)lines[0]["score"]!, 1e-6);
    }

    [Fact]
    public void Score_LineWithoutResponseOrSteps_ThrowsWithFileAndLineBeforeWriting()
    {
        using var scorer = PrmScorer.Load(_folders.Copy("tiny-qwen2-prm"));
        File.WriteAllText(PathOf("in.jsonl"), "{\"problem\":\"p\",\"response\":\"r\"}\n{\"problem\":\"p\",\"resp\":\"r\"}\n");
        var e = Assert.Throws<InvalidDataException>(() => PrmScoreFile.Score(scorer, PathOf("in.jsonl"), PathOf("out.jsonl")));
        Assert.StartsWith($"{PathOf("in.jsonl")}:2:", e.Message);
        Assert.False(File.Exists(PathOf("out.jsonl")));
    }

    [Fact]
    public void Validate_ResponseAndStepsTogether_ThrowsWithFileAndLine()
    {
        File.WriteAllText(PathOf("in.jsonl"), "{\"problem\":\"p\",\"response\":\"r\",\"steps\":[\"a\"]}\n");
        var e = Assert.Throws<InvalidDataException>(() => PrmScoreFile.Validate(PathOf("in.jsonl"), "\n\n"));
        Assert.StartsWith($"{PathOf("in.jsonl")}:1:", e.Message);
    }

    [Fact]
    public void Validate_MissingFile_ThrowsFileNotFound() =>
        Assert.Throws<FileNotFoundException>(() => PrmScoreFile.Validate(PathOf("missing.jsonl"), "\n\n"));

    public void Dispose()
    {
        _folders.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
