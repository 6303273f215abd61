using System.Text.Json;

namespace ReasonFlux.Grading.Tests;

/// <summary>
/// One line of Data/cases.jsonl: a grading case taken from a public grader's test suite or docs. <see cref="Expected"/>
/// is our verdict; <see cref="Verdict"/> is the source's documented verdict ("verdict" in the file when it differs);
/// <see cref="Policy"/> names the row of the Grading README's policy table the case depends on (excluded from agreement).
/// </summary>
public sealed record GradingCase(int Line, string Source, string Category, string Kind, string Gold, string Pred, bool Expected, bool Verdict, string? Policy, string? Note)
{
    /// <summary>Cases whose pred is an answer or a short marker-less text: what answer mode is measured on.</summary>
    private static readonly HashSet<string> AnswerKinds = ["equiv", "lenient", "answer", "answer-choice", "choice"];

    /// <summary>True for an answer-to-answer case from a public grader's own tests (not synthesised from the doc).</summary>
    public bool IsPublicAnswerCase => AnswerKinds.Contains(Kind) && !Source.StartsWith("doc", StringComparison.Ordinal);

    public GradingTask Task => Kind is "choice" or "answer-choice" ? GradingTask.Choice : GradingTask.Math;

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
                r.GetProperty("category").GetString()!,
                r.GetProperty("kind").GetString()!,
                r.GetProperty("gold").GetString()!,
                r.GetProperty("pred").GetString()!,
                r.GetProperty("expected").GetBoolean(),
                r.TryGetProperty("verdict", out var v) ? v.GetBoolean() : r.GetProperty("expected").GetBoolean(),
                r.TryGetProperty("policy", out var p) ? p.GetString() : null,
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
        "answer" or "answer-choice" => AnswerGrader.GradeAnswer(Gold, Pred, Task).Equal,
        _ => throw new InvalidDataException($"cases.jsonl:{Line}: unknown kind {Kind}"),
    };

    /// <summary>The verdict of <paramref name="mode"/> (with the lenient fallback or not, for responses) on this case.</summary>
    public bool EvaluateIn(GradingMode mode, bool lenient = false) =>
        AnswerGrader.Grade(Gold, Pred, mode, Task, lenient ? new GradingOptions { LenientFallback = true } : null).Equal;
}
