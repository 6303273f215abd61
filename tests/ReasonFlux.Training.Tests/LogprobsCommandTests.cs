using System.Text.Json.Nodes;
using ReasonFlux.Cli.Commands;
using ReasonFlux.IO;
using ReasonFlux.Models;
using ReasonFlux.Tests.Shared;
using ReasonFlux.Torch;

namespace ReasonFlux.Training.Tests;

public class LogprobsCommandTests
{
    private static readonly string ModelDirectory = RepoPaths.TestData("models", "tiny-qwen2");

    /// <summary>The real tokens of each row of a golden case and their non-null token_logprobs.</summary>
    private static List<(int[] Ids, double[] Logprobs)> GoldenRows(string caseName)
    {
        var golden = JsonNode.Parse(File.ReadAllText(RepoPaths.TestData("models", "golden.json")))!;
        var c = golden["checkpoints"]!["tiny-qwen2"]!["cases"]!.AsArray().Single(x => (string)x!["name"]! == caseName)!;
        var rows = new List<(int[], double[])>();
        var ids = c["input_ids"]!.AsArray();
        for (int b = 0; b < ids.Count; b++)
        {
            var mask = c["attention_mask"]![b]!.AsArray().Select(m => (int)m!).ToArray();
            var real = ids[b]!.AsArray().Select(x => (int)x!).Where((_, t) => mask[t] == 1).ToArray();
            var lps = c["token_logprobs"]![b]!.AsArray().Where(x => x is not null).Select(x => (double)x!).ToArray();
            Assert.Equal(real.Length - 1, lps.Length);
            rows.Add((real, lps));
        }
        return rows;
    }

    [Fact]
    public void Score_GoldenSingleAndLeftPaddedRowsBatchedTogether_MatchesReference()
    {
        var rows = GoldenRows("single").Concat(GoldenRows("left_padded")).ToList();
        using var lm = PretrainedModel.LoadCausalLM(ModelDirectory, ScalarType.Float32, Device.CPU);
        var scores = LogprobsCommand.Score(lm, rows.Select(r => r.Ids).ToList(), batchTokens: 64);
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.Equal(rows[i].Logprobs.Length, scores[i].Length);
            for (int t = 0; t < scores[i].Length; t++) Assert.Equal(rows[i].Logprobs[t], scores[i][t], 1e-4);
        }
    }

    [Fact]
    public void Invoke_GoldenSingle_WritesNullThenTokenLogprobsAndKeepsInputFields()
    {
        using var dir = new TempDir();
        var (ids, expected) = GoldenRows("single")[0];
        File.WriteAllText(dir["in.jsonl"], $"{{\"id\": \"a\", \"ids\": [{string.Join(",", ids)}]}}\n{{\"id\": \"one\", \"ids\": [5]}}\n");
        Assert.Equal(0, CliVerbs.Invoke("logprobs", "--model", ModelDirectory, "--input", dir["in.jsonl"], "--output", dir["out.jsonl"]));

        var lines = JsonlReader.ReadAll(dir["out.jsonl"]);
        Assert.Equal(2, lines.Count);
        Assert.Equal("a", lines[0].GetString("id"));
        var logprobs = lines[0].Value["logprobs"]!.AsArray();
        Assert.Equal(ids.Length, logprobs.Count);
        Assert.Null(logprobs[0]);
        for (int t = 1; t < ids.Length; t++) Assert.Equal(expected[t - 1], (double)logprobs[t]!, 1e-4);
        Assert.Equal("[null]", lines[1].Value["logprobs"]!.ToJsonString());
    }

    [Fact]
    public void Invoke_Device_CpuScoresAsAuto_AndADeviceThisMachineLacksIsExitCode2()
    {
        using var dir = new TempDir();
        var (ids, _) = GoldenRows("single")[0];
        File.WriteAllText(dir["in.jsonl"], $"{{\"ids\": [{string.Join(",", ids)}]}}\n");
        Assert.Equal(0, CliVerbs.Invoke("logprobs", "--model", ModelDirectory, "--input", dir["in.jsonl"], "--output", dir["auto.jsonl"]));
        Assert.Equal(0, CliVerbs.Invoke("logprobs", "--model", ModelDirectory, "--input", dir["in.jsonl"], "--output", dir["cpu.jsonl"], "--device", "cpu"));
        if (!torch.cuda.is_available()) Assert.Equal(File.ReadAllText(dir["auto.jsonl"]), File.ReadAllText(dir["cpu.jsonl"]));

        var missing = torch.cuda.is_available() ? $"cuda:{torch.cuda.device_count()}" : "cuda:0";
        foreach (var device in new[] { "gpu1", missing })
        {
            Assert.Equal(2, CliVerbs.Invoke("logprobs", "--model", ModelDirectory, "--input", dir["in.jsonl"], "--output", dir["bad.jsonl"], "--device", device));
            Assert.False(File.Exists(dir["bad.jsonl"]));
        }
        // The messages name the option (the CLI prints them to stderr).
        var command = LogprobsCommand.Create();
        var option = (System.CommandLine.Option<string>)command.Options.Single(o => o.Name == "--device");
        var e = Assert.Throws<InvalidDataException>(() => DeviceOption.Resolve(command.Parse(["--model", "m", "--input", "i", "--output", "o", "--device", missing]), option));
        Assert.StartsWith($"--device is {missing} but this", e.Message);
        e = Assert.Throws<InvalidDataException>(() => DeviceOption.Resolve(command.Parse(["--model", "m", "--input", "i", "--output", "o", "--device", "gpu1"]), option));
        Assert.Equal("--device is \"gpu1\": expected auto, cpu, cuda or cuda:N", e.Message);
    }

    [Theory]
    [InlineData("{\"ids\": [1, 2, 300]}", "in.jsonl:1: \"ids\"[2] = 300 is outside the model's vocabulary [0, 300)")]
    [InlineData("{\"tokens\": [1]}", "in.jsonl:1: field \"ids\" must be an array of integers")]
    public void Invoke_BadLine_ExitCode2(string line, string expected)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["in.jsonl"], line + "\n");
        Assert.Equal(2, CliVerbs.Invoke("logprobs", "--model", ModelDirectory, "--input", dir["in.jsonl"], "--output", dir["out.jsonl"]));
        Assert.False(File.Exists(dir["out.jsonl"]));
        // The message itself is checked on the library path (the CLI prints it to stderr).
        using var lm = PretrainedModel.LoadCausalLM(ModelDirectory, ScalarType.Float32, Device.CPU);
        var record = JsonlReader.ReadAll(dir["in.jsonl"])[0];
        var e = Assert.Throws<InvalidDataException>(() => LogprobsCommand.CheckIds(record, record.GetInt32Array("ids"), lm.Config.VocabSize));
        Assert.EndsWith(expected, e.Message);
    }
}
