using Spectre.Console;

namespace ReasonFlux.Runs;

/// <summary>
/// A live Spectre.Console progress bar: stage, step/total, reward, loss, ETA. Spectre's progress display
/// blocks the thread that runs it, so it runs on its own thread while the training loop updates the task.
/// </summary>
public sealed class LiveProgress : ITrainingProgress
{
    private readonly IAnsiConsole _console;
    private readonly EtaEstimator _eta;
    private readonly ManualResetEventSlim _ready = new();
    private readonly ManualResetEventSlim _done = new();
    private Thread? _thread;
    private ProgressTask? _task;
    private string _stage = "";
    private long _total;

    public LiveProgress(IAnsiConsole? console = null, EtaEstimator? eta = null)
    {
        _console = console ?? AnsiConsole.Console;
        _eta = eta ?? new EtaEstimator();
    }

    public bool IsLive => true;

    public void Start(string stage, long totalSteps, long firstStep)
    {
        _stage = stage;
        _total = totalSteps;
        _eta.Start(firstStep, totalSteps);
        _done.Reset();
        _ready.Reset();
        _thread = new Thread(() => _console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                _task = ctx.AddTask(Describe(firstStep - 1, null), maxValue: Math.Max(1, totalSteps));
                _task.Value = Math.Max(0, firstStep - 1);
                _ready.Set();
                while (!_done.Wait(200)) ctx.Refresh();
                ctx.Refresh();
            }))
        { IsBackground = true, Name = "reasonflux-progress" };
        _thread.Start();
        _ready.Wait(TimeSpan.FromSeconds(5));
    }

    public void Update(long step, IReadOnlyDictionary<string, double> metrics)
    {
        if (_task is null) return;
        _task.Description = Describe(step, metrics);
        _task.Value = step;
    }

    public void Finish()
    {
        if (_thread is null) return;
        _done.Set();
        _thread.Join(TimeSpan.FromSeconds(5));
        _thread = null;
    }

    public void Dispose()
    {
        Finish();
        _ready.Dispose();
        _done.Dispose();
    }

    private string Describe(long step, IReadOnlyDictionary<string, double>? metrics)
    {
        var text = $"{_stage} step {Math.Max(0, step)}/{_total}";
        if (metrics is not null)
        {
            var m = ProgressText.Metrics(metrics);
            if (m.Length > 0) text += "  " + m;
            text += "  eta " + EtaEstimator.Format(_eta.Remaining(step));
        }
        return Markup.Escape(text);
    }
}
