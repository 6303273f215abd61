using System.Runtime.InteropServices;
using ReasonFlux.Recipes;
using ReasonFlux.Recipes.Loading;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Runs.Tests;

public class RecipeRunnerTests
{
    private static Recipe Pipeline(TempDir dir, params string[] overrides)
    {
        File.WriteAllText(dir["sft.jsonl"], "{\"prompt\":\"p\",\"completion\":\"c\"}\n");
        File.WriteAllText(dir["prompts.jsonl"], "{\"problem\":\"1+1\",\"answer\":\"2\"}\n");
        var yaml = $$"""
            run_name: demo
            output_dir: "{{dir["runs"]}}"
            stages:
              - kind: sft
                model:
                  path: "builtin:tiny"
                data:
                  train: "{{dir["sft.jsonl"]}}"
                training:
                  steps: 6
                checkpoint:
                  save_every: 2
                  keep_last: 3
                logging:
                  progress: plain
              - kind: grpo
                model:
                  path: "${stages.sft.output}"
                data:
                  train: "{{dir["prompts.jsonl"]}}"
                training:
                  steps: 3
                checkpoint:
                  save_every: 1
                logging:
                  progress: plain
              - kind: eval
                model:
                  path: "${stages.grpo.output}"
                logging:
                  progress: plain
            """;
        return RecipeLoader.Parse(yaml, dir["demo.yaml"], overrides);
    }

    private sealed class Runners
    {
        public Runners(Action<long, StageContext>? sftStep = null, Action<long, StageContext>? grpoStep = null, bool grpoWritesOutput = true)
        {
            Sft = new CountingRunner(StageKind.Sft, 6, (s, c) => { SftCalls.Add(s); sftStep?.Invoke(s, c); });
            Grpo = new CountingRunner(StageKind.Grpo, 3, grpoStep, grpoWritesOutput);
            Eval = new CountingRunner(StageKind.Eval, 1);
            Registry = new StageRunnerRegistry().Register(Sft).Register(Grpo).Register(Eval);
        }

        public List<long> SftCalls { get; } = [];
        public CountingRunner Sft { get; }
        public CountingRunner Grpo { get; }
        public CountingRunner Eval { get; }
        public StageRunnerRegistry Registry { get; }
    }

    private static readonly RunSettings Settings = new() { Interactive = false };

    private static RunResult Run(Recipe recipe, StageRunnerRegistry registry, ResumeRequest resume, TrainingInterrupt? interrupt = null)
    {
        using var owned = interrupt is null ? TrainingInterrupt.CreateDetached(_ => throw new InvalidOperationException("exit")) : null;
        return new RecipeRunner(registry).Run(recipe, resume, interrupt ?? owned!, Settings);
    }

    [Fact]
    public void Run_AllStages_CompleteWithRunFolderLayout()
    {
        using var dir = new TempDir();
        var recipe = Pipeline(dir);
        var runners = new Runners();
        var result = Run(recipe, runners.Registry, new ResumeRequest.Fresh());

        Assert.Equal((StageOutcome.Completed, 0), (result.Outcome, result.ExitCode));
        Assert.Equal(["sft", "grpo", "eval"], result.CompletedStages);
        var run = dir["runs/demo"];
        Assert.Equal(run, result.RunDirectory);
        Assert.True(File.Exists(Path.Combine(run, "recipe.yaml")));
        Assert.True(File.Exists(Path.Combine(run, "run.log")));
        Assert.False(File.Exists(Path.Combine(run, "run.lock")));
        Assert.Equal(recipe.Stages, RecipeLoader.Load(Path.Combine(run, "recipe.yaml")).Stages);
        foreach (var stage in new[] { "sft", "grpo", "eval" })
        {
            Assert.True(File.Exists(Path.Combine(run, stage, "COMPLETE")), stage);
            Assert.True(File.Exists(Path.Combine(run, stage, "output", "model.txt")), stage);
            Assert.Single(Directory.GetFiles(Path.Combine(run, stage), "events.out.tfevents.*"));
        }
        Assert.Equal([2L, 4L, 6L], CheckpointStore.ListSteps(Path.Combine(run, "sft")));
        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L], MetricsFile.Read(Path.Combine(run, "sft", "metrics.jsonl"))[0].Steps);
        Assert.Equal("3", File.ReadAllText(Path.Combine(run, "grpo", "step-3", "state.txt")));
        Assert.Equal(Recipe.StageOutputPath(dir["runs"], "demo", "sft"), ((GrpoOptions)recipe.GetStage("grpo")).Model.Path);
    }

    [Fact]
    public void Run_MissingRunner_FailsBeforeCreatingTheRunFolder()
    {
        using var dir = new TempDir();
        var registry = new StageRunnerRegistry().Register(new CountingRunner(StageKind.Sft, 1));
        var e = Assert.Throws<StageRunnerMissingException>(() => Run(Pipeline(dir), registry, new ResumeRequest.Fresh()));
        Assert.Equal("no runner is registered for stage \"grpo\" (kind grpo), \"eval\" (kind eval); this build of reasonflux has runners for: sft", e.Message);
        Assert.False(Directory.Exists(dir["runs"]));
    }

    [Fact]
    public void Run_MissingInputFile_FailsBeforeAnyWork()
    {
        using var dir = new TempDir();
        var recipe = Pipeline(dir);
        File.Delete(dir["prompts.jsonl"]);
        var e = Assert.Throws<RecipeException>(() => Run(recipe, new Runners().Registry, new ResumeRequest.Fresh()));
        Assert.Equal("stages.grpo.data.train", Assert.Single(e.Errors).KeyPath);
        Assert.False(Directory.Exists(dir["runs"]));
    }

    [Fact]
    public void Run_ExistingRunWithoutResume_Fails()
    {
        using var dir = new TempDir();
        var recipe = Pipeline(dir);
        Run(recipe, new Runners().Registry, new ResumeRequest.Fresh());
        var e = Assert.Throws<InvalidDataException>(() => Run(recipe, new Runners().Registry, new ResumeRequest.Fresh()));
        Assert.Contains("--resume auto", e.Message);
    }

    [Fact]
    public void Run_InterruptedThenResumeAuto_SkipsCompletedStagesAndContinues()
    {
        using var dir = new TempDir();
        var recipe = Pipeline(dir);
        using var interrupt = TrainingInterrupt.CreateDetached(_ => { });
        var first = new Runners(grpoStep: (step, _) => { if (step == 2) interrupt.Request(PosixSignal.SIGTERM); });
        var result = Run(recipe, first.Registry, new ResumeRequest.Fresh(), interrupt);
        Assert.Equal((StageOutcome.Interrupted, 75), (result.Outcome, result.ExitCode));
        Assert.Equal(["sft"], result.CompletedStages);
        var grpo = dir["runs/demo/grpo"];
        Assert.False(File.Exists(Path.Combine(grpo, "COMPLETE")));
        Assert.Equal(2, CheckpointStore.FindLatestValid(grpo)!.Step);

        var second = new Runners();
        var resumed = Run(recipe, second.Registry, new ResumeRequest.Auto());
        Assert.Equal(StageOutcome.Completed, resumed.Outcome);
        Assert.Empty(second.SftCalls);                 // sft was complete
        Assert.Equal([2L], second.Grpo.ResumedFrom);
        Assert.Equal([1L, 2L, 3L], MetricsFile.Read(Path.Combine(grpo, "metrics.jsonl"))[0].Steps);
        Assert.Equal(2, Directory.GetFiles(grpo, "events.out.tfevents.*").Length);
    }

    [Fact]
    public void Run_ResumeAuto_CorruptNewestCheckpoint_FallsBackToOlder()
    {
        using var dir = new TempDir();
        var recipe = Pipeline(dir);
        using var interrupt = TrainingInterrupt.CreateDetached(_ => { });
        Run(recipe, new Runners(sftStep: (step, _) => { if (step == 5) interrupt.Request(PosixSignal.SIGINT); }).Registry, new ResumeRequest.Fresh(), interrupt);
        var sft = dir["runs/demo/sft"];
        Assert.Equal([2L, 4L, 5L], CheckpointStore.ListSteps(sft));
        File.WriteAllText(Path.Combine(sft, "step-5", "state.txt"), "9"); // same length, wrong content

        var second = new Runners();
        Assert.Equal(StageOutcome.Completed, Run(recipe, second.Registry, new ResumeRequest.Auto()).Outcome);
        Assert.Equal([4L], second.Sft.ResumedFrom);
        Assert.Equal([5L, 6L], second.SftCalls);
        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L], MetricsFile.Read(Path.Combine(sft, "metrics.jsonl"))[0].Steps);
        Assert.Contains("SHA-256 mismatch", File.ReadAllText(dir["runs/demo/run.log"]));
    }

    [Fact]
    public void Run_ResumeAuto_EveryCheckpointCorrupt_RefusesToStartOverAndKeepsThem()
    {
        using var dir = new TempDir();
        var recipe = Pipeline(dir);
        using var interrupt = TrainingInterrupt.CreateDetached(_ => { });
        Run(recipe, new Runners(sftStep: (step, _) => { if (step == 5) interrupt.Request(PosixSignal.SIGINT); }).Registry, new ResumeRequest.Fresh(), interrupt);
        var sft = dir["runs/demo/sft"];
        foreach (var step in CheckpointStore.ListSteps(sft))
            File.WriteAllText(Path.Combine(sft, CheckpointStore.FolderName(step), "state.txt"), "9");

        var second = new Runners();
        var e = Assert.Throws<InvalidDataException>(() => Run(recipe, second.Registry, new ResumeRequest.Auto()));
        Assert.Contains("none of its 3 checkpoints (step-2, step-4, step-5) is valid", e.Message);
        Assert.Contains("SHA-256 mismatch", e.Message);
        Assert.Contains("delete those step-N folders", e.Message);
        Assert.Empty(second.SftCalls);
        Assert.Equal([2L, 4L, 5L], CheckpointStore.ListSteps(sft)); // nothing was deleted
        Assert.Equal([1L, 2L, 3L, 4L, 5L], MetricsFile.Read(Path.Combine(sft, "metrics.jsonl"))[0].Steps);

        // The user's explicit fresh start: with the step folders gone, auto starts the stage from step 0.
        foreach (var step in CheckpointStore.ListSteps(sft)) Directory.Delete(Path.Combine(sft, CheckpointStore.FolderName(step)), true);
        var third = new Runners();
        Assert.Equal(StageOutcome.Completed, Run(recipe, third.Registry, new ResumeRequest.Auto()).Outcome);
        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L], third.SftCalls);
    }

    [Fact]
    public void Run_SecondProcessOnALockedRun_IsRefusedBeforeWritingTheRecipe()
    {
        using var dir = new TempDir();
        var recipe = Pipeline(dir);
        Run(recipe, new Runners().Registry, new ResumeRequest.Fresh());
        var recipePath = dir["runs/demo/recipe.yaml"];
        var before = File.ReadAllText(recipePath);
        using (new FileStream(dir["runs/demo/run.lock"], FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose))
        {
            var changed = Pipeline(dir, "stages.sft.training.steps=7");
            var e = Assert.Throws<InvalidDataException>(() => Run(changed, new Runners().Registry, new ResumeRequest.Auto()));
            Assert.Contains("another reasonflux process is running this run", e.Message);
        }
        Assert.Equal(before, File.ReadAllText(recipePath));
    }

    [Fact]
    public void Run_BadDataLineAtRunTime_TerminalGetsNoStackTraceButRunLogKeepsIt()
    {
        using var dir = new TempDir();
        var runners = new Runners(sftStep: (step, _) =>
        {
            if (step == 2) throw new InvalidDataException("data.jsonl:7: missing required field \"completion\"");
        });
        var console = new StringWriter();
        var saved = Console.Error;
        Console.SetError(console);
        try
        {
            Assert.Throws<InvalidDataException>(() => Run(Pipeline(dir), runners.Registry, new ResumeRequest.Fresh()));
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.Contains("stage sft failed", console.ToString());
        Assert.DoesNotContain("   at ", console.ToString());
        var log = File.ReadAllText(dir["runs/demo/run.log"]);
        Assert.Contains("data.jsonl:7: missing required field", log);
        Assert.Contains("   at ", log);
    }

    [Fact]
    public void Run_StageThatWritesNoOutput_IsAnErrorNotASuccess()
    {
        using var dir = new TempDir();
        var runners = new Runners(grpoWritesOutput: false);
        var e = Assert.Throws<InvalidOperationException>(() => Run(Pipeline(dir), runners.Registry, new ResumeRequest.Fresh()));
        Assert.Contains("stage \"grpo\" reported completion but wrote nothing", e.Message);
        Assert.False(File.Exists(dir["runs/demo/grpo/COMPLETE"]));
    }

    [Fact]
    public void Run_ResumeFromPath_RestartsThatStageAndRerunsLaterOnes()
    {
        using var dir = new TempDir();
        var recipe = Pipeline(dir);
        Run(recipe, new Runners().Registry, new ResumeRequest.Fresh());
        var second = new Runners();
        var result = Run(recipe, second.Registry, new ResumeRequest.FromPath(dir["runs/demo/sft/step-4"]));
        Assert.Equal(StageOutcome.Completed, result.Outcome);
        Assert.Equal([4L], second.Sft.ResumedFrom);
        Assert.Equal([5L, 6L], second.SftCalls);
        Assert.Empty(second.Grpo.ResumedFrom); // later stages start over
        Assert.True(File.Exists(dir["runs/demo/eval/COMPLETE"]));
    }

    [Fact]
    public void Run_ResumeFromPath_OfUnknownStage_Fails()
    {
        using var dir = new TempDir();
        var recipe = Pipeline(dir);
        var store = CheckpointStore.Open(dir["elsewhere/ppo"], 1);
        store.Save(1, d => File.WriteAllText(Path.Combine(d, "state.txt"), "1"));
        var e = Assert.Throws<InvalidDataException>(() => Run(recipe, new Runners().Registry, new ResumeRequest.FromPath(dir["elsewhere/ppo/step-1"])));
        Assert.Contains("stage \"ppo\", which this recipe does not have", e.Message);
    }

    [Fact]
    public void Run_ResumeAutoWithChangedRecipe_WarnsWithTheChange()
    {
        using var dir = new TempDir();
        Run(Pipeline(dir), new Runners().Registry, new ResumeRequest.Fresh());
        Run(Pipeline(dir, "eval.n=1", "eval.limit=5"), new Runners().Registry, new ResumeRequest.Auto());
        var log = File.ReadAllText(dir["runs/demo/run.log"]);
        Assert.Contains("the recipe differs", log);
        Assert.Contains("now: limit: 5", log);
        Assert.Contains("was: limit: null", log);
    }
}
