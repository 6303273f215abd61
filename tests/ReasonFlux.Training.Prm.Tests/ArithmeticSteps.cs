using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ReasonFlux.Training.Prm.Tests;

/// <summary>
/// A synthetic PRM task with known flaws: each example adds pairs of numbers one step at a time ("3+4=7"), and
/// some steps are corrupted: their characters are scrambled into a malformed equation ("3=+74"). Step target 1
/// for a correct step, 0 for a corrupted one; the trajectory target is 1 when every step is correct.
/// Corruptions are garbled rather than wrong sums on purpose: a 2-layer random model does not learn the addition
/// table within a test's budget (measured: held-out AUC 0.63 after 400 steps on 9 sums), while the test is
/// about the trainer (targets at the right separators, loss, optimizer, output), not about arithmetic.
/// </summary>
internal static partial class ArithmeticSteps
{
    public sealed record Item(string Question, string[] Steps, float[] Targets, float Final);

    [GeneratedRegex(@"^\d+\+\d+=\d+$")]
    private static partial Regex WellFormed();

    public static List<Item> Generate(int count, int seed, double flawRate = 0.4)
    {
        var rng = new Random(seed);
        var items = new List<Item>();
        for (int n = 0; n < count; n++)
        {
            int k = rng.Next(2, 5);
            var steps = new string[k];
            var targets = new float[k];
            for (int i = 0; i < k; i++)
            {
                int a = rng.Next(0, 10), b = rng.Next(0, 10);
                var step = $"{a}+{b}={a + b}";
                bool flawed = rng.NextDouble() < flawRate;
                if (flawed)
                {
                    var chars = step.ToCharArray();
                    do rng.Shuffle(chars); while (WellFormed().IsMatch(new string(chars)));
                    step = new string(chars);
                }
                steps[i] = step;
                targets[i] = flawed ? 0 : 1;
            }
            items.Add(new Item("Add the pairs.", steps, targets, targets.All(t => t == 1) ? 1 : 0));
        }
        return items;
    }

    public static void Write(string path, IEnumerable<Item> items) =>
        File.WriteAllLines(path, items.Select(i => new JsonObject
        {
            ["question"] = i.Question,
            ["steps"] = new JsonArray(i.Steps.Select(s => (JsonNode)s).ToArray()),
            ["step_targets"] = new JsonArray(i.Targets.Select(t => (JsonNode)t).ToArray()),
            ["final_target"] = i.Final,
        }.ToJsonString()));

    /// <summary>Area under the ROC curve: P(score of a random positive > score of a random negative), ties count half.</summary>
    public static double Auc(IReadOnlyList<double> scores, IReadOnlyList<bool> positive)
    {
        double wins = 0;
        long pairs = 0;
        for (int i = 0; i < scores.Count; i++)
        {
            if (!positive[i]) continue;
            for (int j = 0; j < scores.Count; j++)
            {
                if (positive[j]) continue;
                pairs++;
                wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
            }
        }
        return pairs == 0 ? double.NaN : wins / pairs;
    }
}
