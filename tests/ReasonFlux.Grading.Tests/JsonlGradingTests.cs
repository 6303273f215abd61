using System.Text.Json.Nodes;

namespace ReasonFlux.Grading.Tests;

public sealed class JsonlGradingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rf-grade-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void GradeFile_WritesEqualAndExtracted_KeepsOtherFields()
    {
        var input = Path.Combine(_dir, "in.jsonl");
        var output = Path.Combine(_dir, "out.jsonl");
        File.WriteAllText(input,
            "{\"id\": 7, \"gold\": \"\\\\frac{1}{2}\", \"pred\": \"so \\\\boxed{0.5}\"}\n" +
            "{\"gold\": \"C\", \"pred\": \"Answer: B\", \"task\": \"choice\"}\n" +
            "{\"gold\": 42, \"pred\": \"nothing\"}\n");
        var summary = JsonlGrading.GradeFile(input, output);
        Assert.Equal(new JsonlGradingSummary(3, 1, 1), summary);
        var lines = File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(7, (int)lines[0]["id"]!);
        Assert.True((bool)lines[0]["equal"]!);
        Assert.Equal("0.5", (string)lines[0]["extracted"]!);
        Assert.False((bool)lines[1]["equal"]!);
        Assert.Equal("B", (string)lines[1]["extracted"]!);
        Assert.Null(lines[2]["extracted"]);
        Assert.True(lines[2].ContainsKey("extracted"));
    }

    [Fact]
    public void GradeFile_BadTask_ErrorNamesFileAndLine()
    {
        var input = Path.Combine(_dir, "bad.jsonl");
        File.WriteAllText(input, "{\"gold\": \"1\", \"pred\": \"1\"}\n{\"gold\": \"1\", \"pred\": \"1\", \"task\": \"essay\"}\n");
        var e = Assert.Throws<InvalidDataException>(() => JsonlGrading.GradeFile(input, Path.Combine(_dir, "o.jsonl")));
        Assert.Contains("bad.jsonl:2", e.Message);
        Assert.Contains("task", e.Message);
        Assert.False(File.Exists(Path.Combine(_dir, "o.jsonl")));
    }
}
