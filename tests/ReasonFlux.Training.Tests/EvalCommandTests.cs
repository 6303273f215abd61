using System.Text.Json.Nodes;

namespace ReasonFlux.Training.Tests;

/// <summary>reasonflux eval with several benchmarks in one call (tiny model, a few tokens).</summary>
public class EvalCommandTests
{
    [Fact]
    public void Invoke_TwoBenchmarks_OneModelLoadOneFolderEach()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["adds.jsonl"], "{\"problem\":\"1+1?\",\"answer\":\"2\"}\n{\"problem\":\"2+2?\",\"answer\":\"4\"}\n");
        File.WriteAllText(dir["mults.jsonl"], "{\"problem\":\"2*3?\",\"answer\":\"6\"}\n");
        int code = CliVerbs.Invoke("eval", "--model", TinyModel.Directory, "--benchmark", dir["adds.jsonl"], dir["mults.jsonl"],
            "--max-new-tokens", "4", "--output", dir["out"]);
        Assert.Equal(0, code);
        foreach (var (name, problems) in new[] { ("adds", 2), ("mults", 1) })
        {
            var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(dir["out"], name, "summary.json")))!;
            Assert.Equal(name, (string)summary["benchmark"]!);
            Assert.Equal(problems, (int)summary["problems"]!);
        }
    }

    [Fact]
    public void Invoke_BadBenchmarkLists_ExitCode2BeforeLoadingTheModel()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["adds.jsonl"], "{\"problem\":\"1+1?\",\"answer\":\"2\"}\n");
        // A model folder that does not exist: these must fail on the benchmarks first.
        Assert.Equal(2, CliVerbs.Invoke("eval", "--model", dir["no-model"], "--benchmark", $"{dir["adds.jsonl"]},{dir["adds.jsonl"]}"));
        Assert.Equal(2, CliVerbs.Invoke("eval", "--model", dir["no-model"], "--benchmark", dir["adds.jsonl"], "--gpqa-csv", dir["g.csv"]));
        Assert.Equal(2, CliVerbs.Invoke("eval", "--model", dir["no-model"], "--benchmark", "math500,nonsense"));
    }
}
