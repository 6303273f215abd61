namespace ReasonFlux.Cli;

/// <summary>
/// Process exit codes. Schedulers key on these: <see cref="Interrupted"/> means "a checkpoint was saved,
/// requeue me"; <see cref="BadInput"/> means "fix the command or its files, retrying will not help".
/// </summary>
public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>An unexpected failure inside the program (a bug, a device error).</summary>
    public const int Failure = 1;
    /// <summary>
    /// Bad arguments, a malformed recipe or input file, a missing file: the message says which. Also a disk too full
    /// for a checkpoint or output (the message names the path and the bytes needed; the last good checkpoint and the
    /// <c>latest</c> pointer are left as they were): like bad input, retrying will not help until the user acts.
    /// </summary>
    public const int BadInput = 2;
    /// <summary>Training diverged: training.max_consecutive_skips non-finite steps in a row; the last good state is saved.</summary>
    public const int Diverged = ReasonFlux.Runs.TrainingDivergedException.ExitCode;
    /// <summary>Stopped by SIGTERM/SIGINT after writing a checkpoint; resume with --resume auto (EX_TEMPFAIL).</summary>
    public const int Interrupted = 75;
    /// <summary>A second signal arrived before the checkpoint finished; nothing new was saved.</summary>
    public const int Aborted = 130;
}
