using ReasonFlux.Recipes.Loading;
using ReasonFlux.Training.Data;

namespace ReasonFlux.Training.Tests;

/// <summary>
/// train --dry-run reads the first lines of every data file a recipe names through the stages' own line readers:
/// a line without a field its stage requires is an error naming file:line, before any model is loaded.
/// </summary>
public class RecipeDataCheckTests
{
    private static string Recipe(TempDir dir) => $$"""
        run_name: check
        output_dir: "{{dir["runs"]}}"
        stages:
          - kind: data
            seed: 3
            problems: { min_operations: 1, max_operations: 2, min_operand: 1, max_operand: 9, max_value: 99 }
            sizes: { sft: 8, grpo: 8, eval: 8, pool: 8, prm: 8, pool_correct_fraction: 0.5 }
          - kind: sft
            model: { path: builtin:tiny }
            data: { train: "{{dir["sft.jsonl"]}}", eval: "${stages.data.output}/sft.jsonl" }
            training: { steps: 1, micro_batch_size: 1 }
          - kind: sft
            name: sft_messages
            model: { path: builtin:tiny }
            data: { train: "{{dir["messages.jsonl"]}}" }
            training: { steps: 1, micro_batch_size: 1 }
          - kind: prm
            model: { path: builtin:tiny }
            data: { train: "{{dir["prm.jsonl"]}}" }
            training: { steps: 1, micro_batch_size: 1 }
          - kind: select
            method: random
            data: { pool: "{{dir["pool.jsonl"]}}" }
            top_k: 1
          - kind: grpo
            model: { path: builtin:tiny }
            data: { train: "{{dir["grpo.jsonl"]}}" }
            rollout: { group_size: 2, prompts_per_step: 1, max_new_tokens: 4 }
            training: { steps: 1, micro_batch_size: 2 }
          - kind: eval
            model: { path: builtin:tiny }
            benchmark: "{{dir["bench.jsonl"]}}"
        """;

    private static void WriteGoodFiles(TempDir dir)
    {
        File.WriteAllText(dir["sft.jsonl"], "{\"prompt\": \"1+1?\", \"completion\": \"2\"}\n");
        File.WriteAllText(dir["messages.jsonl"], "{\"messages\": [{\"role\": \"user\", \"content\": \"1+1?\"}, {\"role\": \"assistant\", \"content\": \"2\"}]}\n");
        File.WriteAllText(dir["prm.jsonl"], "{\"question\": \"q\", \"steps\": [\"a\", \"b\"], \"step_targets\": [1, 0], \"final_target\": 0}\n");
        File.WriteAllText(dir["pool.jsonl"], "{\"question\": \"q\", \"trajectory\": \"t\", \"response\": \"r\"}\n");
        File.WriteAllText(dir["grpo.jsonl"], "{\"problem\": \"1+1?\", \"answer\": 2}\n");
        File.WriteAllText(dir["bench.jsonl"], "{\"problem\": \"1+1?\", \"answer\": \"2\"}\n");
    }

    private static DataCheckResult Check(TempDir dir)
    {
        File.WriteAllText(dir["check.yaml"], Recipe(dir));
        return RecipeDataCheck.Check(RecipeLoader.Load(dir["check.yaml"]));
    }

    [Fact]
    public void GoodFiles_NoErrors_ProducedFileSkippedWithANote()
    {
        using var dir = new TempDir();
        WriteGoodFiles(dir);
        var result = Check(dir);
        Assert.Empty(result.Errors);
        var note = Assert.Single(result.Notes);
        Assert.StartsWith("stages.sft.data.eval (", note);
        Assert.EndsWith("is written by stage \"data\" during the run: not checked now", note);
    }

    [Fact]
    public void LineWithoutARequiredField_IsAnErrorNamingFileLineAndKey_ForEveryStageKind()
    {
        using var dir = new TempDir();
        WriteGoodFiles(dir);
        File.AppendAllText(dir["sft.jsonl"], "\n{\"prompt\": \"2+2?\", \"answer\": \"4\"}\n"); // line 3 (line 2 is blank)
        File.AppendAllText(dir["messages.jsonl"], "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n");
        File.AppendAllText(dir["prm.jsonl"], "{\"question\": \"q\", \"steps\": [\"a\"], \"step_targets\": [1, 0], \"final_target\": 0}\n");
        File.AppendAllText(dir["pool.jsonl"], "{\"question\": \"q\", \"trajectory\": \"t\"}\n");
        File.AppendAllText(dir["grpo.jsonl"], "{\"problem\": \"2+2?\"}\n");
        File.WriteAllText(dir["bench.jsonl"], "");

        var errors = Check(dir).Errors;

        Assert.Equal(
        [
            $"{dir["sft.jsonl"]}:3: missing required field \"completion\" (stages.sft.data.train)",
            $"{dir["messages.jsonl"]}:2: the last of \"messages\" must be {{\"role\": \"assistant\", \"content\": \"...\"}}: it is the completion to learn (stages.sft_messages.data.train)",
            $"{dir["prm.jsonl"]}:2: field \"step_targets\" has 2 targets for 1 steps (stages.prm.data.train)",
            $"{dir["pool.jsonl"]}:2: missing required field \"response\" (stages.select.data.pool)",
            $"{dir["grpo.jsonl"]}:2: missing answer field \"answer\" (stages.grpo.data.train)",
            $"{dir["bench.jsonl"]}: no records (the file is empty) (stages.eval.benchmark)",
        ], errors);
    }

    [Fact]
    public void OnlyTheFirstLinesAreRead()
    {
        using var dir = new TempDir();
        WriteGoodFiles(dir);
        File.WriteAllText(dir["grpo.jsonl"], string.Concat(Enumerable.Repeat("{\"problem\": \"1+1?\", \"answer\": 2}\n", RecipeDataCheck.LinesChecked)) + "{\"problem\": \"x\"}\n");
        Assert.Empty(Check(dir).Errors);
    }
}
