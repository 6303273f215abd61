using ReasonFlux.Recipes;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Runs.Distributed;
using Serilog;

namespace ReasonFlux.Runs;

/// <summary>How a stage ended.</summary>
public enum StageOutcome
{
    /// <summary>Finished; its output folder holds the result.</summary>
    Completed,
    /// <summary>Stopped on a signal after saving a checkpoint; the run exits with code 75.</summary>
    Interrupted,
}

/// <summary>
/// Runs one kind of stage (the trainers and evaluators implement this). It receives everything through
/// <see cref="StageContext"/>: the validated options, the stage folder, checkpoint store, the checkpoint to
/// resume from, metrics, logger, progress and the interrupt flag.
/// </summary>
public interface IStageRunner
{
    /// <summary>The stage kind this runner handles.</summary>
    StageKind Kind { get; }

    /// <summary>
    /// Runs the stage. Contract: poll <see cref="StageContext.Interrupt"/> between steps; when it is set,
    /// save a checkpoint and return <see cref="StageOutcome.Interrupted"/>. On completion, write the result into
    /// <see cref="StageContext.OutputDirectory"/> and return <see cref="StageOutcome.Completed"/>. Throw on errors.
    /// </summary>
    StageOutcome Run(StageContext context);

    /// <summary>
    /// True when the runner splits its work across <see cref="StageContext.Distributed"/>'s ranks (and calls the
    /// same collectives on every rank); a recipe with any other stage is refused on more than one process.
    /// </summary>
    bool RunsDataParallel => false;
}

/// <summary>Convenience base class that hands the runner its options already cast to the concrete record.</summary>
public abstract class StageRunner<TOptions> : IStageRunner where TOptions : StageOptions
{
    public abstract StageKind Kind { get; }

    public virtual bool RunsDataParallel => false;

    public StageOutcome Run(StageContext context) => Run((TOptions)context.Options, context);

    protected abstract StageOutcome Run(TOptions options, StageContext context);
}

/// <summary>Everything a stage runner gets from the run.</summary>
public sealed class StageContext
{
    internal StageContext(Recipe recipe, StageOptions options, StageFolder folder, CheckpointStore checkpoints,
        SavedCheckpoint? resumeFrom, MetricsLogger metrics, ILogger log, ITrainingProgress progress, TrainingInterrupt interrupt, int logEvery, int saveEvery,
        DistributedContext? distributed = null)
    {
        Distributed = distributed ?? DistributedContext.Single;
        Recipe = recipe;
        Options = options;
        Folder = folder;
        Checkpoints = checkpoints;
        ResumeFrom = resumeFrom;
        Metrics = metrics;
        Log = log;
        Progress = progress;
        Interrupt = interrupt;
        LogEvery = logEvery;
        SaveEvery = saveEvery;
    }

    /// <summary>The whole recipe (for runners that need another stage's settings).</summary>
    public Recipe Recipe { get; }

    /// <summary>This stage's validated options; cast to the record of its kind (e.g. <see cref="GrpoOptions"/>).</summary>
    public StageOptions Options { get; }

    /// <summary>The stage folder (metrics, checkpoints, output).</summary>
    public StageFolder Folder { get; }

    /// <summary>Where the stage must leave its result; later stages read it via ${stages.NAME.output}.</summary>
    public string OutputDirectory => Folder.OutputDirectory;

    /// <summary>step-N/ checkpoints of this stage (keep_last from the recipe).</summary>
    public CheckpointStore Checkpoints { get; }

    /// <summary>The verified checkpoint to restore before training, or null for a fresh start.</summary>
    public SavedCheckpoint? ResumeFrom { get; }

    /// <summary>metrics.jsonl + TensorBoard of this stage.</summary>
    public MetricsLogger Metrics { get; }

    /// <summary>Run logger (console + run.log), with a Stage property.</summary>
    public ILogger Log { get; }

    public ITrainingProgress Progress { get; }

    /// <summary>Set by SIGTERM/SIGINT: save and return <see cref="StageOutcome.Interrupted"/>.</summary>
    public TrainingInterrupt Interrupt { get; }

    /// <summary>This process's rank, the world size and the collectives; rank 0 alone writes the run folder.</summary>
    public DistributedContext Distributed { get; }

    /// <summary>
    /// True on every rank when SIGTERM/SIGINT reached any of them, so all ranks stop after the same step.
    /// A collective: data-parallel runners call it at the same point on every rank.
    /// </summary>
    public bool StopRequested() => Distributed.Any(Interrupt.IsRequested);

    /// <summary>Writes the stage's result into <see cref="OutputDirectory"/> (created first), on rank 0 only.</summary>
    public void WriteOutput(Action<string> write)
    {
        if (!Distributed.IsWriter) return;
        Directory.CreateDirectory(OutputDirectory);
        write(OutputDirectory);
    }

    /// <summary>logging.log_every of the stage.</summary>
    public int LogEvery { get; }

    /// <summary>checkpoint.save_every of the stage (0: only at the end and on interrupt).</summary>
    public int SaveEvery { get; }

    /// <summary>The first step to run: 1 on a fresh start, resumed step + 1 otherwise.</summary>
    public long FirstStep => (ResumeFrom?.Step ?? 0) + 1;

    /// <summary>True when <paramref name="step"/> is a periodic checkpoint step.</summary>
    public bool ShouldSave(long step) => SaveEvery > 0 && step % SaveEvery == 0;

    /// <summary>Writes the step's metrics (every log_every steps, and always at <paramref name="isLast"/>) and updates progress.</summary>
    /// <remarks>Adds memory/peak_rss_mb, the process's peak RSS since the previous report (so per step).</remarks>
    public void ReportStep(long step, IReadOnlyDictionary<string, double> metrics, bool isLast = false)
    {
        if (ProcessMemory.PeakRssMb() is { } peak)
        {
            metrics = new Dictionary<string, double>(metrics) { [ProcessMemory.PeakRssMetric] = peak };
            ProcessMemory.ResetPeak();
        }
        if (step % LogEvery == 0 || isLast) Metrics.Log(step, metrics);
        Progress.Update(step, metrics);
    }

    /// <summary>
    /// Saves a checkpoint whose contents every rank helps write (optimizer state streamed from its owners): every
    /// rank calls it; the writer runs <paramref name="writeContents"/> with the new checkpoint's folder inside
    /// <see cref="CheckpointStore.Save"/>, the others with null, so the collectives inside it meet. Returns the
    /// checkpoint on the writer, null elsewhere.
    /// </summary>
    public SavedCheckpoint? SaveCheckpointFromAllRanks(long step, Action<string?> writeContents, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (Distributed.IsWriter) return SaveCheckpoint(step, dir => writeContents(dir), metadata);
        writeContents(null);
        return null;
    }

    /// <summary>Saves a checkpoint through <see cref="CheckpointStore.Save"/> and logs it; on ranks other than 0 it writes nothing and returns null.</summary>
    public SavedCheckpoint? SaveCheckpoint(long step, Action<string> writeContents, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (!Distributed.IsWriter) return null;
        var saved = Checkpoints.Save(step, writeContents, metadata);
        Log.Information("checkpoint {Path} ({Files} files)", saved.Path, saved.Manifest.Files.Count);
        return saved;
    }
}

/// <summary>Which runner handles each stage kind. The CLI's train verb uses <see cref="Default"/>.</summary>
public sealed class StageRunnerRegistry
{
    private readonly Dictionary<StageKind, IStageRunner> _runners = [];

    /// <summary>The registry the train verb uses; the application registers its trainers here at startup.</summary>
    public static StageRunnerRegistry Default { get; } = new();

    /// <summary>Registers (or replaces) the runner for its kind.</summary>
    public StageRunnerRegistry Register(IStageRunner runner)
    {
        lock (_runners) _runners[runner.Kind] = runner;
        return this;
    }

    public bool TryGet(StageKind kind, out IStageRunner runner)
    {
        lock (_runners) return _runners.TryGetValue(kind, out runner!);
    }

    /// <summary>The kinds with a runner.</summary>
    public IReadOnlyList<StageKind> Kinds
    {
        get { lock (_runners) return _runners.Keys.Order().ToList(); }
    }
}
