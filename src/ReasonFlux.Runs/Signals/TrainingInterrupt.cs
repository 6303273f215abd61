using System.Runtime.InteropServices;

namespace ReasonFlux.Runs;

/// <summary>
/// Turns SIGTERM/SIGINT into a flag the training loop polls: the first signal sets
/// <see cref="IsRequested"/> (and cancels <see cref="Token"/>) and suppresses the default termination, so
/// the loop can save a checkpoint and exit with <see cref="InterruptedExitCode"/> (75, "requeue me"). A
/// second signal exits at once with <see cref="AbortExitCode"/> (130), for when saving hangs.
/// </summary>
/// <remarks>
/// Uses <see cref="PosixSignalRegistration"/>: the handler runs on a thread-pool thread; setting
/// <c>context.Cancel = true</c> keeps the runtime from terminating the process. Schedulers (SLURM, k8s)
/// send SIGTERM some seconds before SIGKILL, so <c>save_every</c> bounds the work lost if a save is slow.
/// </remarks>
public sealed class TrainingInterrupt : IDisposable
{
    /// <summary>Exit code after a checkpoint was saved on a signal (EX_TEMPFAIL); matches the CLI's ExitCodes.Interrupted.</summary>
    public const int InterruptedExitCode = 75;

    /// <summary>Exit code when a second signal arrives; matches the CLI's ExitCodes.Aborted.</summary>
    public const int AbortExitCode = 130;

    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly CancellationTokenSource _cts = new();
    private readonly Action<int> _exit;
    private readonly Action<string>? _log;
    private int _count;

    private TrainingInterrupt(Action<int> exit, Action<string>? log)
    {
        _exit = exit;
        _log = log;
    }

    /// <summary>True once a signal (or <see cref="Request"/>) asked the loop to stop.</summary>
    public bool IsRequested => Volatile.Read(ref _count) > 0;

    /// <summary>Cancelled on the first signal, for waits that should end early (data loading, sleeps).</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>Which signal arrived first, if any.</summary>
    public PosixSignal? Signal { get; private set; }

    /// <summary>Registers SIGINT and SIGTERM handlers. <paramref name="exit"/> defaults to ending the process at once (see ExitNow).</summary>
    public static TrainingInterrupt Install(Action<int>? exit = null, Action<string>? log = null)
    {
        var interrupt = new TrainingInterrupt(exit ?? ExitNow, log);
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT })
            interrupt._registrations.Add(PosixSignalRegistration.Create(signal, interrupt.OnSignal));
        return interrupt;
    }

    /// <summary>
    /// The second signal is the way out of a hung save, so it ends the process at once through _exit(2).
    /// Environment.Exit would run ProcessExit handlers and the C++ static destructors (libtorch's among them) while
    /// the training thread may still be inside libtorch: that can crash or hang instead of exiting with 130.
    /// Nothing is lost that the first signal meant to keep: the save was abandoned by the user.
    /// </summary>
    private static void ExitNow(int code)
    {
        Console.Error.Flush();
        Console.Out.Flush();
        if (OperatingSystem.IsWindows()) Environment.Exit(code);
        ImmediateExit(code);
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void ImmediateExit(int code);

    /// <summary>An instance with no signal handlers, driven only by <see cref="Request"/> (tests, embedding).</summary>
    public static TrainingInterrupt CreateDetached(Action<int>? exit = null, Action<string>? log = null) =>
        new(exit ?? Environment.Exit, log);

    /// <summary>Acts as if <paramref name="signal"/> had arrived.</summary>
    public void Request(PosixSignal signal)
    {
        int n = Interlocked.Increment(ref _count);
        if (n == 1)
        {
            Signal = signal;
            _log?.Invoke($"{signal} received: saving a checkpoint and stopping (send it again to exit at once without saving)");
            _cts.Cancel();
        }
        else
        {
            _log?.Invoke($"second signal ({signal}): exiting now with code {AbortExitCode}, nothing new saved");
            _exit(AbortExitCode);
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        Request(context.Signal);
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _registrations.Clear();
        _cts.Dispose();
    }
}
