using System.CommandLine;
using ReasonFlux.Recipes.Loading;
using ReasonFlux.Recipes.Schema;
using ReasonFlux.Runs;
using ReasonFlux.Runs.Distributed;
using ReasonFlux.Training.Data;

namespace ReasonFlux.Cli.Commands;

/// <summary>
/// <c>reasonflux train RECIPE [--set KEY=VALUE]... [--resume auto|PATH] [--dry-run]</c>: validates the recipe
/// (all errors at once, with file:line:column), then either prints the resolved recipe and the derived batch
/// numbers (--dry-run) or runs the stages through the registered <see cref="IStageRunner"/>s.
/// Exit codes: 0 done, 2 bad recipe, missing file, a data line without a required field (--dry-run reads each data file's
/// first lines), or a disk too full for a checkpoint or output, 75 stopped by SIGTERM/SIGINT after saving, 130 second signal.
/// </summary>
public static class TrainCommand
{
    /// <summary>The verb, running stages with <see cref="StageRunnerRegistry.Default"/>.</summary>
    public static Command Create() => Create(StageRunnerRegistry.Default);

    public static Command Create(StageRunnerRegistry registry)
    {
        var recipe = new Argument<string>("recipe") { Description = "Recipe YAML file (see recipes/ and recipes/REFERENCE.md)" };
        var set = new Option<string[]>("--set")
        {
            Description = "Override a recipe key, typed by the schema: --set rollout.group_size=8, --set stages.grpo.optimizer.lr=1e-6 (repeatable)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var resume = new Option<string?>("--resume")
        {
            Description = "Continue the run folder: auto (newest valid checkpoint, skipping completed stages) or a step-N checkpoint folder",
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "Validate, print the resolved recipe and derived numbers, and exit" };

        var command = new Command("train", "Run a recipe: sft, prm, select, grpo and eval stages");
        command.Arguments.Add(recipe);
        command.Options.Add(set);
        command.Options.Add(resume);
        command.Options.Add(dryRun);
        command.SetAction(parseResult => CommandRunner.Run(() =>
        {
            var path = parseResult.GetValue(recipe)!;
            var overrides = parseResult.GetValue(set) ?? [];
            var loaded = RecipeLoader.Load(path, overrides);
            // The process layout is read once, here: launch/torchrun or srun variables, else one process.
            var layout = DistributedSetup.Layout(loaded.Header.Distributed);
            if (parseResult.GetValue(dryRun)) return DryRun(loaded, registry, layout);

            using var interrupt = TrainingInterrupt.Install(log: message => Console.Error.WriteLine(message));
            var resumeRequest = ResumeRequest.Parse(parseResult.GetValue(resume));
            bool allOnCpu = loaded.Stages.All(s => s switch
            {
                ReasonFlux.Recipes.Options.SftOptions o => o.Model.Device == "cpu",
                ReasonFlux.Recipes.Options.PrmTrainOptions o => o.Model.Device == "cpu",
                ReasonFlux.Recipes.Options.GrpoOptions o => o.Model.Device == "cpu",
                ReasonFlux.Recipes.Options.EvalOptions o => o.Model.Device == "cpu",
                ReasonFlux.Recipes.Options.LabelOptions o => o.Model.Device == "cpu",
                _ => true,
            });
            using var distributed = DistributedSetup.Join(layout, loaded.Header.Distributed, allOnCpu);
            var result = new RecipeRunner(registry).Run(loaded, resumeRequest, interrupt, new RunSettings { Distributed = distributed });
            Console.Error.WriteLine(result.Outcome == StageOutcome.Completed
                ? $"run complete: {result.RunDirectory}"
                : $"run interrupted, checkpoint saved: continue with reasonflux train {path} --resume auto");
            return result.ExitCode;
        }));
        return command;
    }

    private static int DryRun(ReasonFlux.Recipes.Recipe recipe, StageRunnerRegistry registry, ProcessLayout layout)
    {
        Console.Out.Write(RecipeWriter.Write(recipe));
        Console.Out.WriteLine();
        Console.Out.WriteLine($"# run folder: {recipe.RunDirectory}");
        Console.Out.WriteLine($"# processes: {layout.Describe()}");
        if (layout.WorldSize > 1)
            Console.Out.WriteLine($"# data parallel: global batch = micro_batch_size × grad_accumulation × {layout.WorldSize} ranks (the numbers below are per rank)");
        Console.Out.Write(RecipePlan.Format(RecipePlan.Derive(recipe)));
        foreach (var stage in recipe.Stages.Where(s => !registry.TryGet(s.Kind, out _)))
            Console.Out.WriteLine($"note: this build has no runner for kind {SchemaNames.EnumName(stage.Kind)} (stage \"{stage.Name}\"): a real run would fail");
        var errors = RecipeFileCheck.FindMissing(recipe).Select(e => e.ToString()).ToList();
        // The data files' first lines, through the stages' own line readers: a wrong key shows now, not after the model loads.
        var data = RecipeDataCheck.Check(recipe);
        errors.AddRange(data.Errors);
        Console.Out.WriteLine($"# data files: first {RecipeDataCheck.LinesChecked} lines of each checked with the stage's reader");
        foreach (var note in data.Notes) Console.Out.WriteLine($"note: {note}");
        if (layout.WorldSize > 1)
            foreach (var stage in RecipeRunner.WriterOnlyStages(recipe, registry))
                Console.Out.WriteLine($"note: stage \"{stage.Name}\" (kind {SchemaNames.EnumName(stage.Kind)}) does not split its work across ranks: rank 0 runs it while the other {layout.WorldSize - 1} wait");
        if (errors.Count == 0) return ExitCodes.Success;
        foreach (var error in errors) Console.Error.WriteLine($"error: {error}");
        return ExitCodes.BadInput;
    }
}
