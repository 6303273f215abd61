using ReasonFlux.IO;
using ReasonFlux.Rewards;

namespace ReasonFlux.Training.Select;

/// <summary>Field names of a selection pool record.</summary>
public sealed record SelectionKeys(string Question = "question", string Trajectory = "trajectory", string Response = "response");

/// <summary>One pool record as the PRM sees it and as SFT will read it.</summary>
/// <param name="Question">The prompt (SFT's user turn).</param>
/// <param name="Completion">"&lt;think&gt;\n{trajectory}\n&lt;/think&gt;\n\n{response}", or the response alone when the record has no trajectory.</param>
public sealed record PoolItem(JsonlRecord Record, string Question, string Completion, PrmSample Sample);

/// <summary>
/// Reads a pool of (question, trajectory, response) records. The trajectory is optional: without it the
/// response is scored as is (a "&lt;think&gt;…&lt;/think&gt;" inside it is still split into trajectory and answer).
/// Records that already carry "prompt" or "completion" fields with other values are errors, since the
/// selection writes those fields for SFT.
/// </summary>
public static class SelectionPool
{
    public const string PromptField = "prompt";
    public const string CompletionField = "completion";

    public static PoolItem ToItem(JsonlRecord record, SelectionKeys keys, string stepSeparator)
    {
        var question = record.GetString(keys.Question);
        var response = record.GetString(keys.Response);
        var trajectory = record.GetOptionalString(keys.Trajectory);
        var completion = trajectory is null ? response : ThinkingResponse.Compose(trajectory, response);
        CheckFree(record, PromptField, question);
        CheckFree(record, CompletionField, completion);
        return new PoolItem(record, question, completion, PrmSample.FromResponse(question, completion, stepSeparator));
    }

    private static void CheckFree(JsonlRecord record, string field, string value)
    {
        if (record.Has(field) && record.GetOptionalString(field) != value)
            throw record.Error($"the record already has a \"{field}\" field with other content; the selection writes \"{field}\" for SFT (rename the field in the pool)");
    }

    /// <summary>Reads every record once to check it (before any scoring) and returns how many there are.</summary>
    public static int Validate(string path, SelectionKeys keys, string stepSeparator)
    {
        int count = 0;
        foreach (var record in JsonlReader.Read(path))
        {
            ToItem(record, keys, stepSeparator);
            count++;
        }
        return count;
    }
}
