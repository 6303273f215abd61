using System.Globalization;
using ReasonFlux.Grading.Datasets;
using ReasonFlux.IO;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Tasks.Arithmetic;

namespace ReasonFlux.Training.Label;

/// <summary>A problem a label stage samples: the line as an eval stage reads it, and the chain its text describes.</summary>
public sealed record LabelProblem(BenchmarkItem Item, ArithmeticProblem Chain);

/// <summary>
/// Reads a label stage's data.problems: eval.jsonl's format ({"problem", "answer"}, "id" optional), each problem text
/// parsed into its chain by the task's parser and its answer checked against the chain, so a label never rests on a
/// problem the checker misread. Every bad line is an error naming file:line.
/// </summary>
public static class LabelProblems
{
    public static IReadOnlyList<LabelProblem> Load(string path, DataTask task)
    {
        var problems = new List<LabelProblem>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var record in JsonlReader.Read(path))
        {
            var problem = Read(record, task);
            if (!ids.Add(problem.Item.Id)) throw record.Error($"duplicate id \"{problem.Item.Id}\"");
            problems.Add(problem);
        }
        if (problems.Count == 0) throw new InvalidDataException($"{path}: no problems (the file is empty)");
        return problems;
    }

    /// <summary>One line's problem; throws naming file:line. Also what <c>train --dry-run</c> checks.</summary>
    public static LabelProblem Read(JsonlRecord record, DataTask task)
    {
        var item = BenchmarkDataset.ReadItem(record);
        var chain = task switch
        {
            DataTask.Quickstart => ParseChain(record, item.Problem),
            _ => throw new ArgumentOutOfRangeException(nameof(task), task, "no step checker for this task"),
        };
        var truth = chain.Answer.ToString(CultureInfo.InvariantCulture);
        if (item.Answer.Trim() != truth)
            throw record.Error($"field \"answer\" is \"{item.Answer}\" but \"{item.Problem}\" comes to {truth}");
        return new LabelProblem(item, chain);
    }

    private static ArithmeticProblem ParseChain(JsonlRecord record, string text)
    {
        try { return ArithmeticProblemParser.Parse(text); }
        catch (FormatException e) { throw record.Error($"field \"problem\": {e.Message}"); }
    }
}
