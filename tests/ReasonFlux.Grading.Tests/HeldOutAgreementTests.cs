using System.Text.Json;
using Xunit.Abstractions;

namespace ReasonFlux.Grading.Tests;

/// <summary>
/// A held-out set built mechanically from the shipped benchmarks (not used while writing the grader):
/// each MATH500 gold against its own worked solution, AIME/AMC answers against their original spellings,
/// golds re-wrapped in other answer formats, neighbouring golds (different answers) and golds with one
/// digit changed. Agreement is printed and must reach 97%.
/// </summary>
public class HeldOutAgreementTests(ITestOutputHelper output)
{
    private static IEnumerable<JsonElement> Rows(string file)
    {
        foreach (var line in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Benchmarks", file)))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            yield return JsonDocument.Parse(line).RootElement.Clone();
        }
    }

    private static string Squash(string s) => new(s.Where(c => !char.IsWhiteSpace(c)).ToArray());

    private static string? BumpLastDigit(string s)
    {
        for (int i = s.Length - 1; i >= 0; i--)
        {
            if (!char.IsAsciiDigit(s[i])) continue;
            char bumped = (char)('0' + (s[i] - '0' + 1) % 10);
            return s[..i] + bumped + s[(i + 1)..];
        }
        return null;
    }

    [Fact]
    public void Grade_HeldOutBenchmarkSet_AgreesWithLabelsAtLeast97Percent()
    {
        var items = new List<(string Name, Func<bool> Run, bool Expected)>();
        var math = Rows("math500.jsonl").ToList();
        for (int i = 0; i < math.Count; i++)
        {
            var row = math[i];
            string id = row.GetProperty("id").GetString()!;
            string answer = row.GetProperty("answer").GetString()!;
            string solution = row.GetProperty("solution").GetString()!;
            items.Add(($"{id} own solution", () => AnswerGrader.Grade(answer, solution).Equal, true));
            items.Add(($"{id} minerva", () => AnswerGrader.Grade(answer, $"Final Answer: The final answer is ${answer}$. I hope it is correct.").Equal, true));
            items.Add(($"{id} think+box", () => AnswerGrader.Grade(answer, $"<think>Maybe \\boxed{{0}}?</think>\nSo the result is $\\boxed{{{answer}}}$.").Equal, true));
            items.Add(($"{id} answer line", () => AnswerGrader.Grade(answer, $"Work.\n**Answer:** ${answer}$").Equal, true));
            var other = math[(i + 1) % math.Count].GetProperty("answer").GetString()!;
            bool same = Squash(other) == Squash(answer);
            items.Add(($"{id} neighbour gold {other}", () => AnswerGrader.Grade(answer, $"\\boxed{{{other}}}").Equal, same));
            if (BumpLastDigit(answer) is { } bumped)
                items.Add(($"{id} bumped {bumped}", () => AnswerGrader.Grade(answer, $"\\boxed{{{bumped}}}").Equal, false));
        }
        foreach (var file in new[] { "aime24.jsonl", "amc23.jsonl" })
        {
            foreach (var row in Rows(file))
            {
                string answer = row.GetProperty("answer").GetString()!;
                var originalElement = row.GetProperty("answer_original");
                string original = originalElement.ValueKind == JsonValueKind.String ? originalElement.GetString()! : originalElement.GetRawText();
                items.Add(($"{row.GetProperty("id").GetString()} original {original}", () => AnswerGrader.Grade(answer, $"\\boxed{{{original}}}").Equal, true));
            }
        }

        int agree = 0;
        var disagreements = new List<string>();
        foreach (var (name, run, expected) in items)
        {
            if (run() == expected) agree++;
            else disagreements.Add($"{name} (expected {expected})");
        }
        double rate = (double)agree / items.Count;
        output.WriteLine($"held-out agreement: {agree}/{items.Count} = {rate:P2}");
        foreach (var d in disagreements.Take(40)) output.WriteLine("  disagree: " + d);
        Assert.True(rate >= 0.97, $"agreement {rate:P2} below 97%; first disagreements:\n{string.Join("\n", disagreements.Take(20))}");
    }
}
