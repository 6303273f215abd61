namespace ReasonFlux.Grading.Metrics;

/// <summary>The winning answer of a vote: a representative (its first occurrence), its votes, and all cluster sizes.</summary>
public sealed record MajorityVoteResult(string? Answer, int Votes, IReadOnlyList<(string Answer, int Votes)> Clusters);

/// <summary>The winning answer of a weighted vote: a representative (its first occurrence) and its summed weight.</summary>
public sealed record WeightedVoteResult(string? Answer, double Weight);

/// <summary>
/// maj@k: majority vote over extracted answers, clustering answers with the grader's own equivalence
/// (so "1/2", "0.5" and "\frac{1}{2}" vote together). Samples without an answer do not vote. Ties go to
/// the cluster whose first member came first, so the result is deterministic. <see cref="WeightedVote"/> is the
/// PRM-weighted majority of the PRM literature (Math-Shepherd; Uesato et al. 2022): each cluster scores the sum of
/// its members' PRM scores instead of their count.
/// </summary>
public static class MajorityVote
{
    /// <summary>Clusters <paramref name="answers"/> (nulls ignored) and returns the largest cluster.</summary>
    public static MajorityVoteResult Vote(IReadOnlyList<string?> answers, GradingOptions? options = null)
    {
        var clusters = Cluster(answers, options);
        if (clusters.Count == 0) return new MajorityVoteResult(null, 0, []);
        int best = 0;
        for (int i = 1; i < clusters.Count; i++) if (clusters[i].Members.Count > clusters[best].Members.Count) best = i;
        return new MajorityVoteResult(clusters[best].Representative, clusters[best].Members.Count,
            clusters.Select(c => (c.Representative, c.Members.Count)).ToList());
    }

    /// <summary>
    /// PRM-weighted majority: clusters <paramref name="answers"/> like <see cref="Vote"/> and returns the cluster with the
    /// largest sum of <paramref name="weights"/> (one per answer). A NaN or negative weight counts as 0; ties go to the
    /// cluster whose first member came first. No answer when no sample gave one.
    /// </summary>
    public static WeightedVoteResult WeightedVote(IReadOnlyList<string?> answers, IReadOnlyList<double> weights, GradingOptions? options = null)
    {
        if (weights.Count != answers.Count) throw new ArgumentException($"{weights.Count} weights for {answers.Count} answers", nameof(weights));
        var clusters = Cluster(answers, options);
        if (clusters.Count == 0) return new WeightedVoteResult(null, 0);
        var totals = clusters.Select(c => c.Members.Sum(i => weights[i] is var w && w > 0 ? w : 0.0)).ToList();
        int best = 0;
        for (int i = 1; i < totals.Count; i++) if (totals[i] > totals[best]) best = i;
        return new WeightedVoteResult(clusters[best].Representative, totals[best]);
    }

    /// <summary>maj@k for one problem: the vote over the first <paramref name="k"/> extracted answers matches the gold.</summary>
    public static bool IsCorrect(string gold, IReadOnlyList<string?> extractedAnswers, int k, GradingTask task = GradingTask.Math, GradingOptions? options = null)
    {
        if (k < 1 || k > extractedAnswers.Count) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [1, {extractedAnswers.Count}]");
        return Matches(gold, Vote(extractedAnswers.Take(k).ToList(), options).Answer, task, options);
    }

    /// <summary>PRM-weighted maj@n for one problem: the weighted vote over the first <paramref name="n"/> answers matches the gold.</summary>
    public static bool IsWeightedCorrect(string gold, IReadOnlyList<string?> extractedAnswers, IReadOnlyList<double> weights, int n,
        GradingTask task = GradingTask.Math, GradingOptions? options = null)
    {
        if (n < 1 || n > extractedAnswers.Count) throw new ArgumentOutOfRangeException(nameof(n), n, $"n must be in [1, {extractedAnswers.Count}]");
        return Matches(gold, WeightedVote(extractedAnswers.Take(n).ToList(), weights.Take(n).ToList(), options).Answer, task, options);
    }

    /// <summary>Whether a winning answer equals the gold (letters for multiple choice).</summary>
    public static bool Matches(string gold, string? winner, GradingTask task = GradingTask.Math, GradingOptions? options = null)
    {
        if (winner is null) return false;
        if (task == GradingTask.Choice)
            return Extraction.ChoiceExtractor.NormalizeGold(gold, options) is char g && winner.Length == 1 && winner[0] == g;
        return AnswerGrader.AreEquivalent(AnswerGrader.GoldAnswer(gold), winner, options);
    }

    private sealed record AnswerCluster(string Representative, List<int> Members);

    /// <summary>Equivalence clusters in order of first appearance; each holds the indices of its answers.</summary>
    private static List<AnswerCluster> Cluster(IReadOnlyList<string?> answers, GradingOptions? options)
    {
        var clusters = new List<AnswerCluster>();
        for (int index = 0; index < answers.Count; index++)
        {
            var answer = answers[index];
            if (answer is null || answer.Trim().Length == 0) continue;
            var home = clusters.FirstOrDefault(c => AnswerGrader.AreEquivalent(c.Representative, answer, options) || AnswerGrader.AreEquivalent(answer, c.Representative, options));
            if (home is null) clusters.Add(new AnswerCluster(answer, [index]));
            else home.Members.Add(index);
        }
        return clusters;
    }
}
