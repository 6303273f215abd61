using Serilog;

namespace ReasonFlux.Runs;

/// <summary>
/// Progress as structured log lines (for CI, schedulers, files): one line every <c>every</c> steps with
/// step, total, the main metrics and ETA as Serilog properties.
/// </summary>
public sealed class LogProgress(ILogger log, int every = 1, EtaEstimator? eta = null) : ITrainingProgress
{
    private readonly EtaEstimator _eta = eta ?? new EtaEstimator();
    private string _stage = "";
    private long _total;

    public void Start(string stage, long totalSteps, long firstStep)
    {
        _stage = stage;
        _total = totalSteps;
        _eta.Start(firstStep, totalSteps);
        log.Information("{Stage}: steps {FirstStep}..{TotalSteps}", stage, firstStep, totalSteps);
    }

    public void Update(long step, IReadOnlyDictionary<string, double> metrics)
    {
        if (step % every != 0 && step != _total) return;
        log.Information("{Stage} step {Step}/{TotalSteps} {Metrics} eta {Eta}",
            _stage, step, _total, ProgressText.Metrics(metrics), EtaEstimator.Format(_eta.Remaining(step)));
    }

    public void Finish() { }

    public void Dispose() { }
}
