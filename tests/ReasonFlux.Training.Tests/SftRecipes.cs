using System.Runtime.InteropServices;
using ReasonFlux.Recipes;
using ReasonFlux.Recipes.Loading;
using ReasonFlux.Runs;
using ReasonFlux.Training.Sft;

namespace ReasonFlux.Training.Tests;

/// <summary>Writes a one-stage sft recipe into a temp folder and runs it the way `reasonflux train` does.</summary>
internal static class SftRecipes
{
    public static Recipe Write(TempDir dir, string dataPath, int steps, int microBatch = 8, int accumulation = 1,
        int saveEvery = 0, int keepLast = 1, double lr = 1e-3, int maxSeqLen = 128, string runName = "sft-test",
        string dtype = "float32", string saveDtype = "null", bool checkpointing = false, string schedule = "cosine", int warmup = 3, params string[] overrides)
    {
        var yaml = $$"""
            run_name: {{runName}}
            output_dir: "{{dir["runs"]}}"
            stages:
              - kind: sft
                model:
                  path: "builtin:tiny"
                  dtype: {{dtype}}
                  save_dtype: {{saveDtype}}
                  gradient_checkpointing: {{(checkpointing ? "true" : "false")}}
                data:
                  train: "{{dataPath}}"
                  max_seq_len: {{maxSeqLen}}
                optimizer:
                  lr: {{lr.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}}
                  schedule: {{schedule}}
                  warmup_steps: {{warmup}}
                training:
                  steps: {{steps}}
                  micro_batch_size: {{microBatch}}
                  grad_accumulation: {{accumulation}}
                  seed: 1
                checkpoint:
                  save_every: {{saveEvery}}
                  keep_last: {{keepLast}}
                logging:
                  progress: plain
                  tensorboard: false
                  level: warning
            """;
        var path = dir[runName + ".yaml"];
        File.WriteAllText(path, yaml);
        return RecipeLoader.Load(path, overrides);
    }

    /// <summary>Runs the recipe; <paramref name="interruptAfter"/> requests SIGTERM once that step finished.</summary>
    public static RunResult Run(Recipe recipe, ResumeRequest resume, long? interruptAfter = null, Action<IReadOnlyList<ReasonFlux.Torch.Tensor>>? gradientFault = null)
    {
        using var interrupt = TrainingInterrupt.CreateDetached(_ => throw new InvalidOperationException("second signal"));
        var runner = new SftRunner
        {
            StepCompleted = step => { if (step == interruptAfter) interrupt.Request(PosixSignal.SIGTERM); },
            GradientFault = gradientFault,
        };
        var registry = new StageRunnerRegistry().Register(runner);
        return new RecipeRunner(registry).Run(recipe, resume, interrupt, new RunSettings { Interactive = false });
    }

    public static string StageDirectory(Recipe recipe) => Path.Combine(recipe.RunDirectory, "sft");
}
