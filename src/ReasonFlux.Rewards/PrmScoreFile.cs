using System.Text.Json.Nodes;
using ReasonFlux.IO;

namespace ReasonFlux.Rewards;

/// <summary>
/// Scores a JSONL file (the prm-score verb): each line {"problem", "response"} or {"problem", "steps": [...],
/// "answer"?} is written back with "step_scores", "final_score", "score" (r̂) and "truncated" added. Lines are
/// scored in chunks, so a large file never sits in memory; the output appears only when every line is done.
/// </summary>
public static class PrmScoreFile
{
    public const string ProblemKey = "problem";
    public const string ResponseKey = "response";
    public const string StepsKey = "steps";
    public const string AnswerKey = "answer";

    /// <summary>Summary of a scored file.</summary>
    public sealed record Summary(int Lines, double MeanScore, int Truncated);

    /// <summary>Reads every line once and checks it (before a model is loaded or anything is scored); returns the line count.</summary>
    public static int Validate(string inputPath, string stepSeparator)
    {
        int count = 0;
        foreach (var record in JsonlReader.Read(inputPath))
        {
            ToSample(record, stepSeparator);
            count++;
        }
        return count;
    }

    public static Summary Score(PrmScorer scorer, string inputPath, string outputPath, int chunkSize = 256, Action<int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        Validate(inputPath, scorer.Options.StepSeparator);
        using var writer = new JsonlWriter(outputPath);
        var chunk = new List<(JsonlRecord Record, PrmSample Sample)>(chunkSize);
        double sum = 0;
        int truncated = 0;
        void Flush()
        {
            var scores = scorer.Score(chunk.Select(c => c.Sample).ToArray());
            for (int i = 0; i < chunk.Count; i++)
            {
                var s = scores[i];
                var obj = (JsonObject)chunk[i].Record.Value.DeepClone();
                obj["step_scores"] = new JsonArray(s.StepScores.Select(x => (JsonNode)JsonValue.Create(Math.Round(x, 7))).ToArray());
                obj["final_score"] = Math.Round(s.FinalScore, 7);
                obj["score"] = Math.Round(s.Score, 7);
                obj["truncated"] = s.Truncated;
                writer.Write(obj);
                sum += s.Score;
                if (s.Truncated) truncated++;
            }
            chunk.Clear();
            progress?.Invoke(writer.Count);
        }
        foreach (var record in JsonlReader.Read(inputPath))
        {
            chunk.Add((record, ToSample(record, scorer.Options.StepSeparator)));
            if (chunk.Count == chunkSize) Flush();
        }
        if (chunk.Count > 0) Flush();
        int lines = writer.Count;
        writer.Commit();
        return new Summary(lines, lines == 0 ? 0 : sum / lines, truncated);
    }

    /// <summary>The sample of one input line; a line with neither "response" nor "steps" is an error naming file:line.</summary>
    public static PrmSample ToSample(JsonlRecord record, string stepSeparator)
    {
        var problem = record.GetString(ProblemKey);
        if (record.Has(StepsKey))
        {
            if (record.Has(ResponseKey)) throw record.Error($"give either \"{ResponseKey}\" or \"{StepsKey}\", not both");
            return PrmSample.FromSteps(problem, record.GetStringArray(StepsKey), record.GetOptionalString(AnswerKey), stepSeparator);
        }
        if (!record.Has(ResponseKey)) throw record.Error($"missing \"{ResponseKey}\" (or a \"{StepsKey}\" array)");
        return PrmSample.FromResponse(problem, record.GetString(ResponseKey), stepSeparator);
    }
}
