using System.CommandLine;
using System.Text.Json.Nodes;
using ReasonFlux.Cli;
using ReasonFlux.Cli.Commands;

namespace ReasonFlux.Training.Prm.Tests;

/// <summary>The prm-score and select verbs: exit codes and messages (the console is captured; tests run one at a time).</summary>
public class CliTests
{
    private static (int Code, string Error) Invoke(params string[] args)
    {
        var root = new RootCommand("test");
        root.Subcommands.Add(PrmScoreCommand.Create());
        root.Subcommands.Add(SelectCommand.Create());
        var error = new StringWriter();
        var previousError = Console.Error;
        var previousOut = Console.Out;
        Console.SetError(error);
        Console.SetOut(new StringWriter());
        try
        {
            return (root.Parse(args).Invoke(), error.ToString());
        }
        finally
        {
            Console.SetError(previousError);
            Console.SetOut(previousOut);
        }
    }

    [Fact]
    public void PrmScore_MissingInputFile_ExitsBadInputNamingTheFile()
    {
        using var dir = new TempDir();
        var prm = TinyPrm.Create(dir);
        var (code, error) = Invoke("prm-score", "--prm", prm, "--input", dir["nope.jsonl"], "--output", dir["out.jsonl"]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(dir["nope.jsonl"], error);
    }

    [Fact]
    public void PrmScore_BadLine_ExitsBadInputWithFileAndLine()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["in.jsonl"], "{\"problem\":\"p\",\"response\":\"r\"}\n{\"problem\":\"p\"}\n");
        var (code, error) = Invoke("prm-score", "--prm", dir["no-prm"], "--input", dir["in.jsonl"], "--output", dir["out.jsonl"]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"{dir["in.jsonl"]}:2:", error);
        Assert.False(File.Exists(dir["out.jsonl"]));
    }

    [Fact]
    public void PrmScore_MissingPrmFolder_ExitsBadInput()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["in.jsonl"], "{\"problem\":\"p\",\"response\":\"r\"}\n");
        var (code, error) = Invoke("prm-score", "--prm", dir["no-prm"], "--input", dir["in.jsonl"], "--output", dir["out.jsonl"]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(dir["no-prm"], error);
    }

    [Fact]
    public void PrmScore_ResponsesAndSteps_WritesStepScoresAndTrajectoryScore()
    {
        using var dir = new TempDir();
        var prm = TinyPrm.Create(dir);
        File.WriteAllText(dir["in.jsonl"],
            "{\"problem\":\"1+1?\",\"response\":\"<think>1+1=2\\n\\nCheck.</think>\\n\\n\\\\boxed{2}\",\"id\":1}\n" +
            "{\"problem\":\"2+2?\",\"steps\":[\"2+2=4\",\"so 4\"]}\n");
        var (code, error) = Invoke("prm-score", "--prm", prm, "--input", dir["in.jsonl"], "--output", dir["out.jsonl"], "--alpha", "0.5");
        Assert.True(code == ExitCodes.Success, error);
        var lines = File.ReadAllLines(dir["out.jsonl"]).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();
        Assert.Equal(2, lines.Length);
        Assert.Equal(1, (int)lines[0]["id"]!);
        foreach (var line in lines)
        {
            var steps = line["step_scores"]!.AsArray().Select(x => (double)x!).ToArray();
            Assert.Equal(2, steps.Length);
            Assert.Equal(steps.Average() + 0.5 * (double)line["final_score"]!, (double)line["score"]!, 1e-6);
        }
    }

    [Fact]
    public void PrmScore_UnknownMode_ExitsBadInput()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["in.jsonl"], "{\"problem\":\"p\",\"response\":\"r\"}\n");
        var (code, error) = Invoke("prm-score", "--prm", dir["p"], "--input", dir["in.jsonl"], "--output", dir["o.jsonl"], "--mode", "papers");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--mode", error);
    }

    [Fact]
    public void Select_TopKLargerThanPool_ExitsBadInput()
    {
        using var dir = new TempDir();
        TinyPrm.WritePool(dir["pool.jsonl"], 3);
        var (code, error) = Invoke("select", "--prm", dir["no-prm"], "--input", dir["pool.jsonl"], "--top-k", "5", "--output", dir["selected.jsonl"]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("top_k is 5", error);
    }

    [Fact]
    public void Select_Pool_WritesSelectedWithScoresAndHistogramBeside()
    {
        using var dir = new TempDir();
        var prm = TinyPrm.Create(dir);
        TinyPrm.WritePool(dir["pool.jsonl"], 6);
        var (code, error) = Invoke("select", "--prm", prm, "--input", dir["pool.jsonl"], "--top-k", "2", "--output", dir["selected.jsonl"]);
        Assert.True(code == ExitCodes.Success, error);
        Assert.Equal(2, File.ReadAllLines(dir["selected.jsonl"]).Length);
        Assert.Equal(6, File.ReadAllLines(dir["selected.scores.jsonl"]).Length);
        Assert.True(File.Exists(dir["selected.histogram.svg"]));
    }
}
