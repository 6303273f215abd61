namespace ReasonFlux.Grading.Metrics;

/// <summary>The winning answer of a vote: a representative (its first occurrence), its votes, and all cluster sizes.</summary>
public sealed record MajorityVoteResult(string? Answer, int Votes, IReadOnlyList<(string Answer, int Votes)> Clusters);

/// <summary>
/// maj@k: majority vote over extracted answers, clustering answers with the grader's own equivalence
/// (so "1/2", "0.5" and "\frac{1}{2}" vote together). Samples without an answer do not vote. Ties go to
/// the cluster whose first member came first, so the result is deterministic.
/// </summary>
public static class MajorityVote
{
    /// <summary>Clusters <paramref name="answers"/> (nulls ignored) and returns the largest cluster.</summary>
    public static MajorityVoteResult Vote(IReadOnlyList<string?> answers, GradingOptions? options = null)
    {
        var representatives = new List<string>();
        var votes = new List<int>();
        foreach (var answer in answers)
        {
            if (answer is null || answer.Trim().Length == 0) continue;
            int cluster = -1;
            for (int i = 0; i < representatives.Count; i++)
            {
                if (AnswerGrader.AreEquivalent(representatives[i], answer, options) || AnswerGrader.AreEquivalent(answer, representatives[i], options))
                {
                    cluster = i;
                    break;
                }
            }
            if (cluster < 0)
            {
                representatives.Add(answer);
                votes.Add(1);
            }
            else votes[cluster]++;
        }
        if (representatives.Count == 0) return new MajorityVoteResult(null, 0, []);
        int best = 0;
        for (int i = 1; i < votes.Count; i++) if (votes[i] > votes[best]) best = i;
        return new MajorityVoteResult(representatives[best], votes[best], representatives.Zip(votes).ToList());
    }

    /// <summary>maj@k for one problem: the vote over the first <paramref name="k"/> extracted answers matches the gold.</summary>
    public static bool IsCorrect(string gold, IReadOnlyList<string?> extractedAnswers, int k, GradingTask task = GradingTask.Math, GradingOptions? options = null)
    {
        if (k < 1 || k > extractedAnswers.Count) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [1, {extractedAnswers.Count}]");
        var winner = Vote(extractedAnswers.Take(k).ToList(), options).Answer;
        if (winner is null) return false;
        if (task == GradingTask.Choice)
            return Extraction.ChoiceExtractor.NormalizeGold(gold, options) is char g && winner.Length == 1 && winner[0] == g;
        return AnswerGrader.AreEquivalent(AnswerGrader.GoldAnswer(gold), winner, options);
    }
}
