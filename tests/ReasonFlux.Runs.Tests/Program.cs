using System.Runtime.InteropServices;
using ReasonFlux.Recipes.Loading;
using ReasonFlux.Recipes.Options;

namespace ReasonFlux.Runs.Tests;

/// <summary>
/// Entry point used only when the signal tests start this assembly as a child process:
/// <c>dotnet exec ReasonFlux.Runs.Tests.dll signal-probe DIR [slow-save]</c>. It runs a one-stage recipe
/// through <see cref="RecipeRunner"/> with real SIGTERM/SIGINT handling and exits with the run's exit code.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length < 2 || args[0] != "signal-probe")
        {
            Console.Error.WriteLine("usage: signal-probe DIR [slow-save]");
            return 2;
        }
        var dir = args[1];
        bool slowSave = args.Length > 2 && args[2] == "slow-save";
        File.WriteAllText(Path.Combine(dir, "prompts.jsonl"), "{\"problem\":\"1+1\",\"answer\":\"2\"}\n");
        var recipe = RecipeLoader.Parse($"""
            run_name: probe
            output_dir: "{dir}"
            kind: grpo
            model:
              path: "builtin:tiny"
            data:
              train: "{Path.Combine(dir, "prompts.jsonl")}"
            checkpoint:
              save_every: 0
              keep_last: 2
            logging:
              progress: plain
              tensorboard: false
              log_every: 100
            """, Path.Combine(dir, "probe.yaml"));

        var runner = new CountingRunner(StageKind.Grpo, steps: 100_000, onStep: (step, ctx) =>
        {
            if (step == 1) Console.Out.WriteLine("ready");
            Thread.Sleep(5);
        }, onSave: () =>
        {
            if (!slowSave) return;
            Console.Out.WriteLine("saving");
            Thread.Sleep(TimeSpan.FromSeconds(60)); // a save that hangs: only a second signal ends it
        });
        using var interrupt = TrainingInterrupt.Install(log: m => Console.Error.WriteLine(m));
        var result = new RecipeRunner(new StageRunnerRegistry().Register(runner))
            .Run(recipe, new ResumeRequest.Fresh(), interrupt, new RunSettings { Interactive = false });
        Console.Out.WriteLine($"outcome {result.Outcome}");
        return result.ExitCode;
    }
}
