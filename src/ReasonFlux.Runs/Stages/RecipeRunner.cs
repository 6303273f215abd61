using ReasonFlux.Recipes;
using ReasonFlux.Recipes.Loading;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Recipes.Schema;
using ReasonFlux.Runs.Distributed;
using Serilog;

namespace ReasonFlux.Runs;

/// <summary>The result of running a recipe.</summary>
public sealed record RunResult(StageOutcome Outcome, string RunDirectory, IReadOnlyList<string> CompletedStages)
{
    /// <summary>0 when every stage completed, 75 when stopped by a signal after saving.</summary>
    public int ExitCode => Outcome == StageOutcome.Completed ? 0 : TrainingInterrupt.InterruptedExitCode;
}

/// <summary>Settings of <see cref="RecipeRunner.Run"/> that do not come from the recipe.</summary>
public sealed record RunSettings
{
    /// <summary>Folder relative recipe paths resolve against for the file check; default: the working directory.</summary>
    public string? BaseDirectory { get; init; }

    /// <summary>Override terminal detection for the progress display (null: detect).</summary>
    public bool? Interactive { get; init; }

    /// <summary>This process's ranks and collectives (the CLI joins them); one process by default.</summary>
    public DistributedContext Distributed { get; init; } = DistributedContext.Single;
}

/// <summary>A stage kind in the recipe has no registered runner.</summary>
public sealed class StageRunnerMissingException(string message) : InvalidOperationException(message);

/// <summary>
/// Runs a recipe's stages in order inside its run folder, resuming as asked. Before any work it checks that
/// every stage has a runner and every input path exists. Completed stages get a COMPLETE marker and are
/// skipped by <c>--resume auto</c>; a stage that claims completion but left an empty output folder is an
/// error (never "exit 0 with no training").
/// </summary>
public sealed class RecipeRunner(StageRunnerRegistry registry)
{
    public const string LockFileName = "run.lock";

    public RunResult Run(Recipe recipe, ResumeRequest resume, TrainingInterrupt interrupt, RunSettings? settings = null)
    {
        settings ??= new RunSettings();
        var distributed = settings.Distributed;
        var runners = ResolveRunners(recipe);
        RecipeFileCheck.EnsureExists(recipe, settings.BaseDirectory);

        SavedCheckpoint? explicitCheckpoint = null;
        int explicitStage = -1;
        if (resume is ResumeRequest.FromPath from)
        {
            explicitCheckpoint = CheckpointStore.Load(from.CheckpointPath);
            var stageName = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(from.CheckpointPath).TrimEnd('/', '\\')));
            explicitStage = recipe.Stages.ToList().FindIndex(s => s.Name == stageName);
            if (explicitStage < 0)
                throw new InvalidDataException($"--resume {from.CheckpointPath}: it is a checkpoint of stage \"{stageName}\", which this recipe does not have (stages: {string.Join(", ", recipe.Stages.Select(s => s.Name))})");
        }

        bool resuming = resume is not ResumeRequest.Fresh;
        // Only rank 0 writes the run folder; the others attach to it once rank 0 has created (or refused) it.
        FileStream? runLock = null;
        RunFolder run = null!;
        try
        {
            distributed.WriterFirst(() =>
            {
                if (!distributed.IsWriter)
                {
                    run = RunFolder.Attach(recipe);
                    return;
                }
                // The lock comes first: a second process must be refused before it writes anything (recipe.yaml included).
                Directory.CreateDirectory(recipe.RunDirectory);
                runLock = AcquireLock(recipe.RunDirectory);
                run = RunFolder.Open(recipe, resuming, out var changes);
                using var log = RunLogging.Create(run.LogPath, LogLevel.Information, quietConsole: false);
                log.Information("run {RunDirectory} from {Recipe} ({Mode}; {Processes})", run.Path, recipe.SourcePath,
                    resume switch { ResumeRequest.Auto => "resume auto", ResumeRequest.FromPath p => "resume from " + p.CheckpointPath, _ => "new run" },
                    distributed.Layout.Describe());
                if (changes.Count > 0)
                    log.Warning("the recipe differs from the one this run started with:\n  {Changes}", string.Join("\n  ", changes));
            });
            return RunStages(recipe, run, resume, explicitCheckpoint, explicitStage, runners, interrupt, settings);
        }
        finally
        {
            runLock?.Dispose();
        }
    }

    /// <summary>
    /// The stages whose runner does not split its work across ranks: with more than one process rank 0 runs them
    /// alone while the other ranks wait for its COMPLETE marker.
    /// </summary>
    public static IReadOnlyList<StageOptions> WriterOnlyStages(Recipe recipe, StageRunnerRegistry registry) =>
        recipe.Stages.Where(s => registry.TryGet(s.Kind, out var r) && !r.RunsDataParallel).ToList();

    private RunResult RunStages(Recipe recipe, RunFolder run, ResumeRequest resume, SavedCheckpoint? explicitCheckpoint, int explicitStage,
        List<IStageRunner> runners, TrainingInterrupt interrupt, RunSettings settings)
    {
        var distributed = settings.Distributed;
        bool resuming = resume is not ResumeRequest.Fresh;

        var completed = new List<string>();
        for (int i = 0; i < recipe.Stages.Count; i++)
        {
            var options = recipe.Stages[i];
            var folder = run.Stage(options.Name);
            // Rank 0 decides first (it may remove stale state); the others then read what it left.
            var decision = StageStart.Run;
            SavedCheckpoint? resumeFrom = null;
            distributed.WriterFirst(() =>
            {
                decision = DecideStart(recipe, run, folder, options, i, resume, explicitCheckpoint, explicitStage, distributed.IsWriter, out resumeFrom);
                if (decision == StageStart.Skip || !distributed.IsWriter) return;
                Directory.CreateDirectory(folder.Path);
                if (resumeFrom is null && resuming) RemoveStaleState(folder);
            });
            if (decision == StageStart.Skip)
            {
                completed.Add(options.Name);
                continue;
            }
            if (distributed.Any(interrupt.IsRequested)) return new RunResult(StageOutcome.Interrupted, run.Path, completed);
            var outcome = distributed.IsDistributed && !runners[i].RunsDataParallel
                ? RunOnWriterOnly(recipe, run, folder, options, runners[i], resumeFrom, resuming, interrupt, settings)
                : RunStage(recipe, run, folder, options, runners[i], resumeFrom, resuming, interrupt, settings);
            if (outcome == StageOutcome.Interrupted) return new RunResult(StageOutcome.Interrupted, run.Path, completed);
            completed.Add(options.Name);
        }
        return new RunResult(StageOutcome.Completed, run.Path, completed);
    }

    /// <summary>
    /// A stage that does not split its work across ranks: rank 0 runs it as if it were alone; the others wait for
    /// its COMPLETE marker (polling the file, not a collective, so a long stage cannot hit distributed.timeout_s).
    /// SIGTERM reaches every rank, so a waiting rank stops with the same outcome as rank 0; a failed rank 0 is
    /// handled by launch (or srun --kill-on-bad-exit), which stops the waiting ranks.
    /// </summary>
    private static StageOutcome RunOnWriterOnly(Recipe recipe, RunFolder run, StageFolder folder, StageOptions options, IStageRunner runner,
        SavedCheckpoint? resumeFrom, bool resuming, TrainingInterrupt interrupt, RunSettings settings)
    {
        var distributed = settings.Distributed;
        if (distributed.IsWriter)
        {
            using (var log = RunLogging.Create(run.LogPath, LogLevel.Information, quietConsole: false))
                log.Warning("stage {Stage} (kind {Kind}) runs on rank 0 only; the other {Others} ranks wait for it", options.Name, SchemaNames.EnumName(options.Kind), distributed.WorldSize - 1);
            var outcome = RunStage(recipe, run, folder, options, runner, resumeFrom, resuming, interrupt, settings with { Distributed = DistributedContext.Single });
            if (outcome == StageOutcome.Completed) distributed.Barrier();
            return outcome;
        }
        while (!folder.IsComplete)
        {
            if (interrupt.IsRequested) return StageOutcome.Interrupted;
            Thread.Sleep(500);
        }
        distributed.Barrier();
        return StageOutcome.Completed;
    }

    private enum StageStart { Run, Skip }

    /// <summary>Whether stage <paramref name="i"/> runs, and from which checkpoint.</summary>
    private static StageStart DecideStart(Recipe recipe, RunFolder run, StageFolder folder, StageOptions options, int i, ResumeRequest resume,
        SavedCheckpoint? explicitCheckpoint, int explicitStage, bool isWriter, out SavedCheckpoint? resumeFrom)
    {
        resumeFrom = null;
        if (explicitStage >= 0)
        {
            if (i < explicitStage)
            {
                if (!folder.IsComplete)
                    throw new InvalidDataException($"--resume {explicitCheckpoint!.Path}: stage \"{options.Name}\" before it has not completed; use --resume auto");
                return StageStart.Skip;
            }
            if (isWriter) folder.ClearComplete();
            if (i == explicitStage) resumeFrom = explicitCheckpoint;
        }
        else if (resume is ResumeRequest.Auto)
        {
            if (folder.IsComplete)
            {
                return StageStart.Skip;
            }
            var rejected = new List<string>();
            resumeFrom = CheckpointStore.FindLatestValid(folder.Path, reason =>
            {
                rejected.Add(reason);
                if (isWriter) WarnLater(run, $"skipping checkpoint: {reason}");
            });
            var saved = CheckpointStore.ListSteps(folder.Path);
            // Starting over would silently throw away a long run: only the user may decide that.
            if (resumeFrom is null && saved.Count > 0)
                throw new InvalidDataException(
                    $"{folder.Path}: none of its {saved.Count} checkpoints ({string.Join(", ", saved.Select(CheckpointStore.FolderName))}) is valid, so stage \"{options.Name}\" cannot resume:\n  {string.Join("\n  ", rejected)}\n" +
                    $"To start the stage over from step 0, delete those step-N folders and run --resume auto again.");
        }

        return StageStart.Run;
    }

    /// <summary>The runner of every stage, or one error naming all stages that have none.</summary>
    private List<IStageRunner> ResolveRunners(Recipe recipe)
    {
        var result = new List<IStageRunner>();
        var missing = new List<string>();
        foreach (var stage in recipe.Stages)
        {
            if (registry.TryGet(stage.Kind, out var runner)) result.Add(runner);
            else missing.Add($"\"{stage.Name}\" (kind {SchemaNames.EnumName(stage.Kind)})");
        }
        if (missing.Count > 0)
        {
            var have = registry.Kinds.Count == 0 ? "none" : string.Join(", ", registry.Kinds.Select(k => SchemaNames.EnumName(k)));
            throw new StageRunnerMissingException($"no runner is registered for stage {string.Join(", ", missing)}; this build of reasonflux has runners for: {have}");
        }
        return result;
    }

    private static StageOutcome RunStage(Recipe recipe, RunFolder run, StageFolder folder, StageOptions options, IStageRunner runner,
        SavedCheckpoint? resumeFrom, bool resuming, TrainingInterrupt interrupt, RunSettings settings)
    {
        var (checkpoint, logging) = SectionsOf(options);
        var distributed = settings.Distributed;
        bool writer = distributed.IsWriter;

        // The other ranks write nothing: their console gets warnings and errors only (tagged with the rank), their
        // metrics go nowhere, and StageContext.SaveCheckpoint / WriteOutput skip them.
        bool bar = writer && ProgressFactory.UsesBar(logging.Progress, settings.Interactive ?? ProgressFactory.IsInteractiveTerminal());
        using var logger = writer ? RunLogging.Create(run.LogPath, logging.Level, quietConsole: bar) : RunLogging.Create(null, LogLevel.Warning, quietConsole: true);
        var log = logger.ForContext("Stage", options.Name);
        if (distributed.IsDistributed) log = log.ForContext("Rank", distributed.Rank);
        using var progress = bar ? new LiveProgress() : (ITrainingProgress)new LogProgress(log, logging.LogEvery);
        using var metrics = writer ? MetricsLogger.Open(folder.Path, resumeFrom?.Step ?? (resuming ? 0 : null), logging.Tensorboard) : MetricsLogger.Discarding();
        var store = writer ? CheckpointStore.Open(folder.Path, checkpoint?.KeepLast ?? 1) : CheckpointStore.Attach(folder.Path, checkpoint?.KeepLast ?? 1);
        var context = new StageContext(recipe, options, folder, store, resumeFrom, metrics, log, progress, interrupt,
            logging.LogEvery, checkpoint?.SaveEvery ?? 0, distributed);

        log.Information("stage {Stage} ({Kind}) {How}", options.Name, SchemaNames.EnumName(options.Kind),
            resumeFrom is null ? "starting" : $"resuming from {resumeFrom.Path}");
        StageOutcome outcome;
        var wall = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            outcome = runner.Run(context);
        }
        catch (Exception e)
        {
            log.Error(e, "stage {Stage} failed (the full error is in {Log})", options.Name, run.LogPath);
            throw;
        }
        finally
        {
            progress.Finish();
        }

        if (outcome == StageOutcome.Interrupted)
        {
            if (writer)
                log.Warning("stage {Stage} stopped by {Signal}; continue with: reasonflux train {Recipe} --resume auto",
                    options.Name, interrupt.Signal?.ToString() ?? "request", recipe.SourcePath);
            distributed.Barrier();
            return outcome;
        }
        // The next stage may read this one's output: the other ranks wait until rank 0 has written and marked it.
        distributed.WriterFirst(() =>
        {
            if (!writer) return;
            if (!Directory.Exists(folder.OutputDirectory) || !Directory.EnumerateFileSystemEntries(folder.OutputDirectory).Any())
                throw new InvalidOperationException($"stage \"{options.Name}\" reported completion but wrote nothing to {folder.OutputDirectory}");
            var steps = CheckpointStore.ListSteps(folder.Path);
            folder.MarkComplete(steps.Count > 0 ? steps[^1] : null, wall.Elapsed.TotalSeconds);
            log.Information("stage {Stage} complete in {Seconds:F1} s: {Output}", options.Name, wall.Elapsed.TotalSeconds, folder.OutputDirectory);
        });
        return outcome;
    }

    /// <summary>A stage restarting from scratch inside an existing run must not mix with an earlier attempt.</summary>
    private static void RemoveStaleState(StageFolder folder)
    {
        foreach (var step in CheckpointStore.ListSteps(folder.Path))
            Directory.Delete(Path.Combine(folder.Path, CheckpointStore.FolderName(step)), recursive: true);
        File.Delete(Path.Combine(folder.Path, CheckpointStore.LatestFileName));
        if (Directory.Exists(folder.OutputDirectory)) Directory.Delete(folder.OutputDirectory, recursive: true);
    }

    private static (CheckpointOptions? Checkpoint, LoggingOptions Logging) SectionsOf(StageOptions options) => options switch
    {
        GrpoOptions g => (g.Checkpoint, g.Logging),
        SftOptions s => (s.Checkpoint, s.Logging),
        PrmTrainOptions p => (p.Checkpoint, p.Logging),
        SelectOptions s => (null, s.Logging),
        EvalOptions e => (null, e.Logging),
        LabelOptions l => (null, l.Logging),
        DataStageOptions d => (null, d.Logging),
        ReportOptions r => (null, r.Logging),
        _ => (null, new LoggingOptions()),
    };

    private static FileStream AcquireLock(string runDirectory)
    {
        var path = Path.Combine(runDirectory, LockFileName);
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (IOException)
        {
            throw new InvalidDataException($"{runDirectory}: another reasonflux process is running this run (it holds {path})");
        }
    }

    private static void WarnLater(RunFolder run, string message)
    {
        using var log = RunLogging.Create(run.LogPath, LogLevel.Information, quietConsole: false);
        log.Warning("{Message}", message);
    }
}
