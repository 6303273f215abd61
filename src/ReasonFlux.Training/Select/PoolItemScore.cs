using System.Text.Json.Nodes;
using ReasonFlux.IO;
using ReasonFlux.Rewards;

namespace ReasonFlux.Training.Select;

/// <summary>The PRM's score of one pool record (a line of scores.jsonl).</summary>
/// <param name="Index">0-based position among the pool's records.</param>
/// <param name="Line">Line number in the pool file.</param>
public sealed record PoolItemScore(int Index, int Line, double Score, double FinalScore, double[] StepScores, bool Truncated)
{
    public static PoolItemScore From(int index, int line, PrmScore s) => new(index, line, s.Score, s.FinalScore, s.StepScores.ToArray(), s.Truncated);

    public JsonObject ToJson() => new()
    {
        ["index"] = Index,
        ["line"] = Line,
        ["score"] = Math.Round(Score, 7),
        ["final_score"] = Math.Round(FinalScore, 7),
        ["step_scores"] = new JsonArray(StepScores.Select(x => (JsonNode)JsonValue.Create(Math.Round(x, 7))).ToArray()),
        ["truncated"] = Truncated,
    };

    public static PoolItemScore FromJson(JsonlRecord r)
    {
        double Number(string key) => r.Value[key] is JsonValue v && v.TryGetValue<double>(out var d) ? d : throw r.Error($"field \"{key}\" must be a number");
        var steps = r.Value["step_scores"] is JsonArray a
            ? a.Select((x, i) => x is JsonValue v && v.TryGetValue<double>(out var d) ? d : throw r.Error($"field \"step_scores\"[{i}] must be a number")).ToArray()
            : throw r.Error("field \"step_scores\" must be an array");
        return new PoolItemScore((int)Number("index"), (int)Number("line"), Number("score"), Number("final_score"), steps,
            r.Value["truncated"] is JsonValue t && t.TryGetValue<bool>(out var b) && b);
    }
}
