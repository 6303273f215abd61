using System.Text.Json;

namespace ReasonFlux.Grading.Tests;

/// <summary>One line of Data/cases.jsonl: a grading case taken from a public grader's test suite or docs.</summary>
public sealed record GradingCase(int Line, string Source, string Kind, string Gold, string Pred, bool Expected, string? Note)
{
    public override string ToString() => $"L{Line} {Source}: {Truncate(Gold)} vs {Truncate(Pred)}";

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..37] + "...";

    public static IEnumerable<GradingCase> Load(string path)
    {
        int line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            using var doc = JsonDocument.Parse(text);
            var r = doc.RootElement;
            yield return new GradingCase(
                line,
                r.GetProperty("source").GetString()!,
                r.GetProperty("kind").GetString()!,
                r.GetProperty("gold").GetString()!,
                r.GetProperty("pred").GetString()!,
                r.GetProperty("expected").GetBoolean(),
                r.TryGetProperty("note", out var n) ? n.GetString() : null);
        }
    }

    /// <summary>Runs the case the way its kind says: direct comparison, full grading, lenient grading or choice.</summary>
    public bool Evaluate() => Kind switch
    {
        "equiv" => AnswerGrader.AreEquivalent(AnswerGrader.GoldAnswer(Gold), Pred),
        "grade" => AnswerGrader.Grade(Gold, Pred).Equal,
        "lenient" => AnswerGrader.Grade(Gold, Pred, GradingTask.Math, new GradingOptions { LenientFallback = true }).Equal,
        "choice" => AnswerGrader.Grade(Gold, Pred, GradingTask.Choice).Equal,
        _ => throw new InvalidDataException($"cases.jsonl:{Line}: unknown kind {Kind}"),
    };
}
