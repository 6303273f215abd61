namespace ReasonFlux.Cli.Tests;

/// <summary>train --dry-run checks the data files' first lines: a missing field is exit 2 with file:line, and a file an earlier stage writes is skipped with a note.</summary>
public class DryRunDataCheckTests
{
    [Fact]
    public void DryRun_SftLineWithoutCompletion_Exit2NamingFileAndLine()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["train.jsonl"], "{\"prompt\": \"1+1?\", \"completion\": \"2\"}\n{\"prompt\": \"2+2?\", \"response\": \"4\"}\n");
        File.WriteAllText(dir["sft.yaml"], $$"""
            run_name: dry
            output_dir: "{{dir["runs"]}}"
            kind: sft
            model: { path: builtin:tiny }
            data: { train: "{{dir["train.jsonl"]}}" }
            training: { steps: 1, micro_batch_size: 1 }
            """);
        var (code, output) = CliProcess.Run(null, TimeSpan.FromMinutes(1), "train", dir["sft.yaml"], "--dry-run");
        Assert.True(code == 2, $"exit {code}:\n{output}");
        Assert.Contains($"error: {dir["train.jsonl"]}:2: missing required field \"completion\" (data.train)", output);
        Assert.False(Directory.Exists(dir["runs"]), "a dry run writes nothing");
    }

    [Fact]
    public void DryRun_FileOfAnEarlierStage_IsSkippedWithANote()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["two.yaml"], $$"""
            run_name: dry
            output_dir: "{{dir["runs"]}}"
            stages:
              - kind: data
                seed: 3
                problems: { min_operations: 1, max_operations: 2, min_operand: 1, max_operand: 9, max_value: 99 }
                sizes: { sft: 8, grpo: 8, eval: 8, pool: 8, prm: 8, pool_correct_fraction: 0.5 }
              - kind: sft
                model: { path: builtin:tiny }
                data: { train: "${stages.data.output}/sft.jsonl" }
                training: { steps: 1, micro_batch_size: 1 }
            """);
        var (code, output) = CliProcess.Run(null, TimeSpan.FromMinutes(1), "train", dir["two.yaml"], "--dry-run");
        Assert.True(code == 0, $"exit {code}:\n{output}");
        Assert.Matches(@"note: stages\.sft\.data\.train \(.*/dry/data/output/sft\.jsonl\) is written by stage ""data"" during the run: not checked now", output);
    }
}
