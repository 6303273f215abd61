namespace ReasonFlux.Runs;

/// <summary>
/// A training stage stopped because its loss or gradient norm stayed non-finite for
/// training.max_consecutive_skips optimizer steps in a row. The last good state was saved (when there was one);
/// retrying unchanged will diverge again, so the CLI exits with its own code (3), not "bad input" or "interrupted".
/// </summary>
public sealed class TrainingDivergedException(string message) : Exception(message)
{
    /// <summary>The process exit code for this stop.</summary>
    public const int ExitCode = 3;
}
