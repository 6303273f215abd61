using System.Text.Json.Nodes;

namespace ReasonFlux.Training.Label;

/// <summary>
/// One sampled completion as a PRM example: the think steps then the response, a target per segment (null: not
/// labelled) and the trajectory target. <see cref="Clean"/> is every step right, all of the chain's steps, the right
/// boxed answer; <see cref="ResponseCorrect"/> only the last.
/// </summary>
public sealed record LabelledSample(IReadOnlyList<string> Steps, IReadOnlyList<int?> StepTargets, int? FinalTarget, bool Clean, bool ResponseCorrect)
{
    /// <summary>
    /// The prm.jsonl line: a prm stage's data.train keys (question, steps, step_targets, final_target) and, for
    /// analysis, quality ("correct" for a clean sample, else "wrong"), answer_correct, the sample index and the problem id.
    /// </summary>
    public JsonObject ToJson(string question, string id, int sample) => new()
    {
        ["question"] = question,
        ["steps"] = new JsonArray(Steps.Select(s => (JsonNode?)s).ToArray()),
        ["step_targets"] = new JsonArray(StepTargets.Select(t => (JsonNode?)t).ToArray()),
        ["final_target"] = FinalTarget,
        ["quality"] = Clean ? "correct" : "wrong",
        ["answer_correct"] = ResponseCorrect,
        ["sample"] = sample,
        ["id"] = id,
    };
}
