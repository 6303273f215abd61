using System.Text.Json.Nodes;
using ReasonFlux.IO;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Rewards;

namespace ReasonFlux.Training.Prm;

/// <summary>
/// One tokenized training example: the PRM input and what it is regressed towards. Two-class head: one target
/// per labelled step at its separator, plus the trajectory target at the last separator. Scalar head: the trajectory
/// target at the last token. Unlabelled steps (a null target) have no position here; an unlabelled trajectory has a
/// null <see cref="FinalTarget"/>.
/// </summary>
public sealed record PrmTrainingExample(int[] InputIds, int[] StepPositions, float[] StepTargets, int FinalPosition, float? FinalTarget, string Location)
{
    /// <summary>The first token of each step read at <see cref="StepPositions"/> (for a head that reads a step's lowest token likelihood); null otherwise.</summary>
    public int[]? StepStarts { get; init; }

    /// <summary>The first token of the segment read at <see cref="FinalPosition"/> (with <see cref="StepStarts"/>).</summary>
    public int FinalStart { get; init; }
}

/// <summary>
/// The PRM training file: one {question, steps: [..], step_targets: [..], final_target} object per line (keys per
/// <see cref="PrmDataOptions"/>), every target in [0, 1] or null. A null target is unlabelled and adds no loss term:
/// PRM800K's convention of no labels after a solution's first wrong step, and what <c>prm-data</c> writes for a
/// trajectory with no final target. Inputs are built by the scorer's own encoder, so
/// training and scoring read identical token sequences. An input longer than max_seq_len is cut at the end and
/// loses the targets of the cut steps (counted in <see cref="TruncatedSteps"/>); one whose first separator does not
/// fit is an error.
/// </summary>
public sealed class PrmTrainingSet
{
    private PrmTrainingSet(IReadOnlyList<PrmTrainingExample> examples, int truncatedExamples, int truncatedSteps)
    {
        Examples = examples;
        TruncatedExamples = truncatedExamples;
        TruncatedSteps = truncatedSteps;
    }

    public IReadOnlyList<PrmTrainingExample> Examples { get; }
    public int Count => Examples.Count;
    public int TruncatedExamples { get; }
    public int TruncatedSteps { get; }

    /// <summary>Joins steps into the scalar head's completion text (the reference "instruction + output").</summary>
    public const string ScalarStepJoiner = "\n\n";

    public static PrmTrainingSet Load(PrmDataOptions data, PrmHead head, PrmInputEncoder encoder, string? path = null)
    {
        var examples = new List<PrmTrainingExample>();
        int truncatedExamples = 0, truncatedSteps = 0;
        foreach (var record in JsonlReader.Read(path ?? data.Train))
        {
            var (question, steps, targets, final) = ReadFields(record, data);

            var sample = new PrmSample { Problem = question, Steps = steps, Text = string.Join(ScalarStepJoiner, steps) };
            PrmEncodedInput input;
            try { input = encoder.Encode(sample); }
            catch (InvalidDataException e) { throw record.Error(e.Message); }

            if (head == PrmHead.Scalar)
            {
                if (final is null)
                    throw record.Error($"field \"{data.FinalTargetKey}\" is null: the scalar head trains on the trajectory target alone, so every line needs one");
                if (input.Truncated) truncatedExamples++;
                examples.Add(new PrmTrainingExample(input.InputIds, [], [], input.LastPosition, final, record.Location));
                continue;
            }
            int kept = input.SegmentPositions.Length;
            if (kept == 0)
                throw record.Error($"the first step does not fit in max_seq_len {data.MaxSeqLen} tokens (the input has more); raise data.max_seq_len");
            if (input.Truncated)
            {
                truncatedExamples++;
                truncatedSteps += steps.Length - kept;
            }
            var labelled = Enumerable.Range(0, kept).Where(i => targets[i] is not null).ToArray();
            examples.Add(new PrmTrainingExample(input.InputIds, labelled.Select(i => input.SegmentPositions[i]).ToArray(),
                labelled.Select(i => targets[i]!.Value).ToArray(), input.SegmentPositions[^1], final, record.Location)
            {
                StepStarts = input.SegmentStarts is { } starts ? labelled.Select(i => starts[i]).ToArray() : null,
                FinalStart = input.SegmentStarts?[^1] ?? 0,
            });
        }
        return new PrmTrainingSet(examples, truncatedExamples, truncatedSteps);
    }

    /// <summary>
    /// The fields of one line, checked (steps non-empty, one target per step, every target in [0, 1] or null, at least
    /// one not null); throws naming file:line. <see cref="Load"/> reads every line through this, <c>train --dry-run</c>
    /// the first lines.
    /// </summary>
    public static (string Question, string[] Steps, float?[] StepTargets, float? FinalTarget) ReadFields(JsonlRecord record, PrmDataOptions data)
    {
        var question = record.GetString(data.QuestionKey);
        var steps = record.GetStringArray(data.StepsKey);
        if (steps.Length == 0) throw record.Error($"field \"{data.StepsKey}\" is empty: a PRM example needs at least one step");
        for (int i = 0; i < steps.Length; i++)
            if (string.IsNullOrWhiteSpace(steps[i])) throw record.Error($"field \"{data.StepsKey}\"[{i}] is empty");
        var targets = Targets(record, data.StepTargetsKey);
        if (targets.Length != steps.Length)
            throw record.Error($"field \"{data.StepTargetsKey}\" has {targets.Length} targets for {steps.Length} steps");
        var final = Target(record, data.FinalTargetKey);
        if (final is null && targets.All(t => t is null))
            throw record.Error($"every target is null (\"{data.StepTargetsKey}\" and \"{data.FinalTargetKey}\"): the line has nothing to train on");
        return (question, steps, targets, final);
    }

    private static float?[] Targets(JsonlRecord record, string key)
    {
        if (record.Value[key] is not JsonArray arr) throw record.Error($"field \"{key}\" must be an array of numbers in [0, 1] or nulls");
        var result = new float?[arr.Count];
        for (int i = 0; i < arr.Count; i++) result[i] = ToTarget(record, arr[i], $"{key}\"[{i}]");
        return result;
    }

    private static float? Target(JsonlRecord record, string key) =>
        record.Value.ContainsKey(key) ? ToTarget(record, record.Value[key], key + "\"") : throw record.Error($"missing required field \"{key}\" (null when unlabelled)");

    private static float? ToTarget(JsonlRecord record, JsonNode? node, string what)
    {
        if (node is null) return null;
        double v = double.NaN;
        if (node is JsonValue value && value.TryGetValue<double>(out var d)) v = d;
        else if (node is JsonValue b && b.TryGetValue<bool>(out var flag)) v = flag ? 1 : 0;
        if (!(v >= 0 && v <= 1)) throw record.Error($"field \"{what} must be a number in [0, 1] or null, got {node.ToJsonString()}");
        return (float)v;
    }
}
