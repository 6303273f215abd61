using ReasonFlux.Grading;
using ReasonFlux.Grading.Datasets;
using ReasonFlux.Grading.Metrics;
using ReasonFlux.Recipes.Options;

namespace ReasonFlux.Training.Eval;

/// <summary>
/// Decides whether a response answers a benchmark item correctly, and which answer a group of samples votes for
/// (maj@k). One judge per <see cref="OutcomeGrader"/> so pass@k and maj@k use the same notion of "correct".
/// </summary>
public abstract class OutcomeJudge
{
    /// <summary>The judge for a recipe's grader setting.</summary>
    public static OutcomeJudge For(OutcomeGrader grader, GradingOptions? options = null) => grader switch
    {
        OutcomeGrader.MathEquivalence => new MathEquivalenceJudge(options),
        OutcomeGrader.StrictBoxed => new StrictBoxedJudge(),
        _ => throw new ArgumentOutOfRangeException(nameof(grader), grader, "unknown grader"),
    };

    /// <summary>Grades one response.</summary>
    public abstract GradeResult Grade(BenchmarkItem item, string response);

    /// <summary>The majority answer among the first <paramref name="k"/> extracted answers (nulls do not vote) and whether it is correct.</summary>
    public abstract (string? Answer, bool Correct) Majority(BenchmarkItem item, IReadOnlyList<string?> extracted, int k);

    /// <summary>
    /// PRM-weighted majority among the first <paramref name="n"/> answers: clusters as in <see cref="Majority"/>, each weighted
    /// by the sum of its members' <paramref name="scores"/> (NaN or negative counts 0); the answer and whether it is correct.
    /// </summary>
    public abstract (string? Answer, bool Correct) WeightedMajority(BenchmarkItem item, IReadOnlyList<string?> extracted, IReadOnlyList<double> scores, int n);

    /// <summary><see cref="AnswerGrader"/>: extraction from long chain-of-thought output and normalised mathematical equivalence (letters for multiple choice).</summary>
    private sealed class MathEquivalenceJudge(GradingOptions? options) : OutcomeJudge
    {
        public override GradeResult Grade(BenchmarkItem item, string response) => AnswerGrader.Grade(item.Answer, response, item.Task, options);

        public override (string? Answer, bool Correct) Majority(BenchmarkItem item, IReadOnlyList<string?> extracted, int k)
        {
            var winner = MajorityVote.Vote(extracted.Take(k).ToList(), options).Answer;
            return (winner, winner is not null && MajorityVote.IsCorrect(item.Answer, extracted, k, item.Task, options));
        }

        public override (string? Answer, bool Correct) WeightedMajority(BenchmarkItem item, IReadOnlyList<string?> extracted, IReadOnlyList<double> scores, int n)
        {
            var winner = MajorityVote.WeightedVote(extracted.Take(n).ToList(), scores.Take(n).ToList(), options).Answer;
            return (winner, MajorityVote.Matches(item.Answer, winner, item.Task, options));
        }
    }

    /// <summary>
    /// The released ReasonFlux GRPO rule (verl math_dapo strict mode, reasonflux-prm.md §5.5): the last
    /// brace-matched <c>\boxed{…}</c> within the final 100 characters, compared to the gold as an exact string.
    /// </summary>
    private sealed class StrictBoxedJudge : OutcomeJudge
    {
        private const int TailCharacters = 100;
        private const string BoxOpen = "\\boxed{";

        public override GradeResult Grade(BenchmarkItem item, string response)
        {
            var tail = response.Length > TailCharacters ? response[^TailCharacters..] : response;
            int start = tail.LastIndexOf(BoxOpen, StringComparison.Ordinal);
            if (start < 0) return new GradeResult(false, null, GradeReason.NoAnswer);
            int depth = 0;
            for (int i = start; i < tail.Length; i++)
            {
                if (tail[i] == '{') depth++;
                else if (tail[i] == '}' && --depth == 0)
                {
                    var answer = tail[(start + BoxOpen.Length)..i];
                    bool equal = answer == item.Answer;
                    return new GradeResult(equal, answer, equal ? GradeReason.Equivalent : GradeReason.NotEquivalent);
                }
            }
            return new GradeResult(false, null, GradeReason.UnterminatedBox);
        }

        public override (string? Answer, bool Correct) Majority(BenchmarkItem item, IReadOnlyList<string?> extracted, int k) =>
            ExactVote(item, extracted, k, _ => 1.0);

        public override (string? Answer, bool Correct) WeightedMajority(BenchmarkItem item, IReadOnlyList<string?> extracted, IReadOnlyList<double> scores, int n) =>
            ExactVote(item, extracted, n, i => scores[i] > 0 ? scores[i] : 0.0);

        /// <summary>Exact-string clusters weighted per sample; ties go to the answer seen first.</summary>
        private static (string? Answer, bool Correct) ExactVote(BenchmarkItem item, IReadOnlyList<string?> extracted, int count, Func<int, double> weight)
        {
            var totals = new Dictionary<string, double>(StringComparer.Ordinal);
            var order = new List<string>();
            for (int i = 0; i < Math.Min(count, extracted.Count); i++)
            {
                if (extracted[i] is not { } a) continue;
                if (totals.TryAdd(a, weight(i))) order.Add(a);
                else totals[a] += weight(i);
            }
            if (order.Count == 0) return (null, false);
            var winner = order[0];
            foreach (var a in order) if (totals[a] > totals[winner]) winner = a;
            return (winner, winner == item.Answer);
        }
    }
}
