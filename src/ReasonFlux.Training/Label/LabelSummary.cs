using System.Globalization;
using System.Text.Json.Nodes;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Training.Label;

/// <summary>
/// Counts of a label stage, written as summary.json and logged: problems, samples, why samples were dropped, lines
/// written, the targets of each kind (think steps, responses, trajectories: right / wrong / unlabelled) and the share
/// of all samples whose answer is right (the eval stage's strict-boxed pass@1 on these problems).
/// </summary>
public sealed class LabelSummary(int problems, int samplesPerProblem, StepLabels labels)
{
    private readonly Dictionary<DropReason, int> _dropped = Enum.GetValues<DropReason>().ToDictionary(r => r, _ => 0);
    private readonly TargetCounts _steps = new(), _responses = new(), _finals = new();

    public int Samples => problems * samplesPerProblem;
    public int Written { get; private set; }
    public int Dropped => _dropped.Values.Sum();
    public int Clean { get; private set; }
    public int AnswerCorrect { get; private set; }
    public int Truncated { get; private set; }

    /// <summary>Share of all samples, dropped ones included, whose completion has the right boxed answer.</summary>
    public double AnswerAccuracy => Samples == 0 ? 0 : (double)AnswerCorrect / Samples;

    public void Add(SampleLabel label, bool answerCorrect, bool truncated)
    {
        if (answerCorrect) AnswerCorrect++;
        if (truncated) Truncated++;
        if (label.Sample is not { } s)
        {
            _dropped[label.Dropped!.Value]++;
            return;
        }
        Written++;
        if (s.Clean) Clean++;
        foreach (var t in s.StepTargets.Take(s.StepTargets.Count - 1)) _steps.Add(t);
        _responses.Add(s.StepTargets[^1]);
        _finals.Add(s.FinalTarget);
    }

    public JsonObject ToJson(double seconds) => new()
    {
        ["problems"] = problems,
        ["samples_per_problem"] = samplesPerProblem,
        ["samples"] = Samples,
        ["labels"] = SchemaNames.EnumName(labels),
        ["written"] = Written,
        ["dropped"] = Dropped,
        ["dropped_by_reason"] = new JsonObject(_dropped.Select(kv => KeyValuePair.Create(ReasonName(kv.Key), (JsonNode?)kv.Value))),
        ["truncated"] = Truncated,
        ["step_targets"] = _steps.ToJson(),
        ["response_targets"] = _responses.ToJson(),
        ["final_targets"] = _finals.ToJson(),
        ["clean_samples"] = Clean,
        ["answer_accuracy"] = AnswerAccuracy,
        ["seconds"] = Math.Round(seconds, 3),
    };

    /// <summary>The one-line summary the stage logs.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{problems} problems × {samplesPerProblem} samples: {Written} written, {Dropped} dropped ({string.Join(", ", _dropped.Select(kv => $"{kv.Value} {ReasonName(kv.Key)}"))}); " +
        $"think-step targets {_steps}; response targets {_responses}; {Clean} clean; answer accuracy {AnswerAccuracy:P1}");

    /// <summary>"no-think-end", "no-steps", "no-response".</summary>
    public static string ReasonName(DropReason reason) => SchemaNames.EnumName(reason);

    private sealed class TargetCounts
    {
        private int _right, _wrong, _unlabelled;

        public void Add(int? target)
        {
            if (target is null) _unlabelled++;
            else if (target == 1) _right++;
            else _wrong++;
        }

        public JsonObject ToJson() => new() { ["right"] = _right, ["wrong"] = _wrong, ["unlabelled"] = _unlabelled };

        public override string ToString() => $"{_right} right / {_wrong} wrong / {_unlabelled} unlabelled";
    }
}
