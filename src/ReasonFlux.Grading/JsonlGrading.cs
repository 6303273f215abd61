using System.Text.Json;
using System.Text.Json.Nodes;
using ReasonFlux.IO;

namespace ReasonFlux.Grading;

/// <summary>Counts from grading a JSONL file.</summary>
public sealed record JsonlGradingSummary(int Lines, int Equal, int NoAnswer);

/// <summary>
/// Grades a JSONL file of {"gold", "pred", "task"?} lines ("task" is "math" or "choice", default math) and
/// writes each input object back with "equal" and "extracted" added. In <see cref="GradingMode.Response"/>
/// "pred" is a full response, so the final answer is extracted; in <see cref="GradingMode.Answer"/> it is an
/// answer (<see cref="AnswerGrader.GradeAnswer"/>). Bad lines fail with file:line and the field.
/// </summary>
public static class JsonlGrading
{
    public static JsonlGradingSummary GradeFile(string inputPath, string outputPath, GradingOptions? options = null, GradingMode mode = GradingMode.Response)
    {
        options ??= GradingOptions.Default;
        var records = JsonlReader.ReadAll(inputPath);
        var results = new GradeResult[records.Count];
        // Validate everything before grading so a bad line fails fast and names itself.
        var inputs = new (string Gold, string Pred, GradingTask Task)[records.Count];
        for (int i = 0; i < records.Count; i++)
        {
            var r = records[i];
            inputs[i] = (ReadGold(r), r.GetString("pred"), ReadTask(r));
        }
        Parallel.For(0, records.Count, i => results[i] = AnswerGrader.Grade(inputs[i].Gold, inputs[i].Pred, mode, inputs[i].Task, options));

        int equal = 0, noAnswer = 0;
        using var writer = new JsonlWriter(outputPath);
        for (int i = 0; i < records.Count; i++)
        {
            var obj = (JsonObject)records[i].Value.DeepClone();
            obj["equal"] = results[i].Equal;
            obj["extracted"] = results[i].Extracted is { } e ? JsonValue.Create(e) : null;
            writer.Write(obj);
            if (results[i].Equal) equal++;
            if (results[i].Extracted is null) noAnswer++;
        }
        writer.Commit();
        return new JsonlGradingSummary(records.Count, equal, noAnswer);
    }

    private static string ReadGold(JsonlRecord r)
    {
        var node = r.Value["gold"] ?? throw r.Error("missing required field \"gold\"");
        if (node is JsonValue v)
        {
            if (v.TryGetValue<string>(out var s)) return s;
            if (v.GetValueKind() == JsonValueKind.Number) return v.ToJsonString();
        }
        throw r.Error($"field \"gold\" must be a string or a number, got {node.GetValueKind()}");
    }

    private static GradingTask ReadTask(JsonlRecord r) => r.GetOptionalString("task") switch
    {
        null or "math" => GradingTask.Math,
        "choice" => GradingTask.Choice,
        var other => throw r.Error($"field \"task\" must be \"math\" or \"choice\", got \"{other}\""),
    };
}
