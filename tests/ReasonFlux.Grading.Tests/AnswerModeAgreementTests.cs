using System.Text;
using Xunit.Abstractions;

namespace ReasonFlux.Grading.Tests;

/// <summary>
/// Agreement of answer mode with the documented verdicts of the public graders' own answer-to-answer test cases
/// (Math-Verify, lighteval, Qwen2.5-Math, simple-evals), by category, with response mode (strict and lenient) beside
/// it for comparison. Cases tagged with a policy row of the Grading README are excluded. The table printed here is the
/// one in src/ReasonFlux.Grading/README.md.
/// </summary>
public class AnswerModeAgreementTests(ITestOutputHelper output)
{
    private const double RequiredAgreement = 0.97;

    private static List<GradingCase> PublicAnswerCases() =>
        GradingCase.Load(GradingCasesTests.DataPath("cases.jsonl")).Where(c => c.IsPublicAnswerCase).ToList();

    [Fact]
    public void AnswerMode_AgreesWithDocumentedVerdicts_AtLeast97Percent()
    {
        var cases = PublicAnswerCases();
        var counted = cases.Where(c => c.Policy is null).ToList();
        Assert.True(counted.Count >= 200, $"only {counted.Count} public answer-to-answer cases");

        var table = new StringBuilder("| category | cases | policy (excluded) | answer mode | response, strict | response, lenient |\n|---|---|---|---|---|---|\n");
        int agreeAnswer = 0, agreeStrict = 0, agreeLenient = 0;
        var misses = new List<string>();
        foreach (var group in cases.GroupBy(c => c.Category).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var rows = group.Where(c => c.Policy is null).ToList();
            int answer = 0, strict = 0, lenient = 0;
            foreach (var c in rows)
            {
                if (c.EvaluateIn(GradingMode.Answer) == c.Verdict) answer++;
                else misses.Add($"{c}: documented {c.Verdict}");
                if (c.EvaluateIn(GradingMode.Response) == c.Verdict) strict++;
                if (c.EvaluateIn(GradingMode.Response, lenient: true) == c.Verdict) lenient++;
                else output.WriteLine($"lenient response mode disagrees: {c}: documented {c.Verdict}");
            }
            agreeAnswer += answer; agreeStrict += strict; agreeLenient += lenient;
            table.Append($"| {group.Key} | {rows.Count} | {group.Count() - rows.Count} | {Percent(answer, rows.Count)} | {Percent(strict, rows.Count)} | {Percent(lenient, rows.Count)} |\n");
        }
        table.Append($"| **all** | {counted.Count} | {cases.Count - counted.Count} | **{Percent(agreeAnswer, counted.Count)}** | {Percent(agreeStrict, counted.Count)} | {Percent(agreeLenient, counted.Count)} |\n");
        output.WriteLine(table.ToString());
        foreach (var m in misses) output.WriteLine("disagrees: " + m);

        double rate = (double)agreeAnswer / counted.Count;
        Assert.True(rate >= RequiredAgreement, $"answer mode agrees on {rate:P1} (< {RequiredAgreement:P0}):\n{string.Join("\n", misses)}");
    }

    [Fact]
    public void PolicyCases_NameARowOfThePolicyTable()
    {
        var readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "GradingReadme.md"));
        foreach (var c in GradingCase.Load(GradingCasesTests.DataPath("cases.jsonl")).Where(c => c.Policy is not null))
            Assert.True(readme.Contains($"\n| {c.Policy}", StringComparison.Ordinal), $"{c}: policy \"{c.Policy}\" is not a row of the README's policy table");
    }

    private static string Percent(int part, int whole) => whole == 0 ? "–" : $"{100.0 * part / whole:F1} % ({part}/{whole})";
}
