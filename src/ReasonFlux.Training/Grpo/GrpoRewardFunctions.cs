using System.Text.Json.Nodes;
using ReasonFlux.Recipes.Options;

namespace ReasonFlux.Training.Grpo;

/// <summary>The scalar rewards of a batch of completions: the outcome judge's, and the weighted sum of the extras.</summary>
public sealed record ScalarRewards(double[] Outcome, double[] Extra, IReadOnlyDictionary<string, double> Metrics);

/// <summary>One completion to score.</summary>
public sealed record RewardItem(string Prompt, string Response, string Answer, int Tokens);

/// <summary>
/// Scores completions with the outcome judge and the recipe's reward.extra functions, each time-limited. Whatever
/// goes wrong (an exception, a time-out, garbage from a command) is scored reward.on_error and counted in
/// <see cref="ErrorsMetric"/>; it never ends the run.
/// </summary>
public sealed class GrpoRewardFunctions : IDisposable
{
    public const string ErrorsMetric = "reward/errors";
    public const string ExtraPrefix = "reward/extra/";

    private readonly GrpoOptions _options;
    private readonly Serilog.ILogger? _log;
    private readonly (RewardFunctionOptions Options, string Name, RewardCommand? Command)[] _extras;

    public GrpoRewardFunctions(GrpoOptions options, Serilog.ILogger? log = null)
    {
        _options = options;
        _log = log;
        _extras = options.Reward.Extra.Select((e, i) => (e,
            e.Name is { } name ? Recipes.Schema.SchemaNames.EnumName(name) : $"command_{i}",
            e.Command is { } command ? new RewardCommand(command, TimeSpan.FromSeconds(e.TimeoutS ?? 10), log) : null)).ToArray();
    }

    public ScalarRewards Score(IReadOnlyList<RewardItem> items)
    {
        var rw = _options.Reward;
        long errors = 0;
        var outcome = new double[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var score = TimeLimited(() => OutcomeReward.Score(rw.Outcome, item.Response, item.Answer), TimeSpan.FromSeconds(rw.TimeoutS), _log);
            if (score is null) errors++;
            outcome[i] = score ?? rw.OnError;
        }
        var extra = new double[items.Count];
        var metrics = new Dictionary<string, double>();
        foreach (var (e, name, command) in _extras)
        {
            double?[] values = command is not null
                ? command.Score(items.Select(Request).ToArray())
                : items.Select(item => (double?)Builtin(e.Name!.Value, item)).ToArray();
            var scored = values.Select(v => v ?? rw.OnError).ToArray();
            errors += values.Count(v => v is null);
            for (int i = 0; i < items.Count; i++) extra[i] += e.Weight * scored[i];
            metrics[ExtraPrefix + name] = scored.Average();
        }
        metrics[ErrorsMetric] = errors;
        return new ScalarRewards(outcome, extra, metrics);
    }

    private double Builtin(BuiltinReward name, RewardItem item) => name switch
    {
        BuiltinReward.Format => HasClosedBox(item.Response) ? 1 : 0,
        BuiltinReward.Length => 1 - (double)item.Tokens / _options.Rollout.MaxNewTokens,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>True when the text has a \boxed{ whose braces close.</summary>
    public static bool HasClosedBox(string text)
    {
        int start = text.LastIndexOf("\\boxed{", StringComparison.Ordinal);
        if (start < 0) return false;
        int depth = 0;
        for (int i = start + "\\boxed".Length; i < text.Length; i++)
        {
            if (text[i] == '{') depth++;
            else if (text[i] == '}' && --depth == 0) return true;
        }
        return false;
    }

    private static JsonObject Request(RewardItem item) => new()
    {
        ["prompt"] = item.Prompt, ["response"] = item.Response, ["answer"] = item.Answer, ["tokens"] = item.Tokens,
    };

    /// <summary>
    /// Runs <paramref name="score"/> with a deadline; null on an exception, a non-finite value or a time-out. A
    /// timed-out grader thread cannot be stopped and is abandoned (graders keep their own work bounded).
    /// </summary>
    public static double? TimeLimited(Func<double> score, TimeSpan timeout, Serilog.ILogger? log = null)
    {
        var task = Task.Run(score);
        try
        {
            if (!task.Wait(timeout))
            {
                log?.Warning("the outcome judge took longer than {Seconds} s: scored reward.on_error", timeout.TotalSeconds);
                return null;
            }
            return double.IsFinite(task.Result) ? task.Result : null;
        }
        catch (AggregateException e)
        {
            log?.Warning("the outcome judge failed: {Message}", e.GetBaseException().Message);
            return null;
        }
    }

    public void Dispose()
    {
        foreach (var (_, _, command) in _extras) command?.Dispose();
    }
}
