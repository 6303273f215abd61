namespace ReasonFlux.Tasks.Arithmetic;

/// <summary>How many problems go to each file of the quickstart data, and the quality mix of the noisy pool.</summary>
public sealed record QuickstartTaskSizes
{
    /// <summary>Clean worked solutions for the first SFT stage (sft.jsonl).</summary>
    public int Sft { get; init; } = 2000;

    /// <summary>Problems with answers for GRPO (grpo.jsonl).</summary>
    public int Grpo { get; init; } = 512;

    /// <summary>Held-out problems no stage trains on (eval.jsonl).</summary>
    public int Eval { get; init; } = 200;

    /// <summary>Problems of the mixed-quality selection pool (pool.jsonl), one trace each.</summary>
    public int Pool { get; init; } = 1200;

    /// <summary>Problems of the PRM training set (prm.jsonl); each gets one trace of every quality.</summary>
    public int Prm { get; init; } = 800;

    /// <summary>
    /// Problems for on-policy PRM data (prm_problems.jsonl, {id, problem, answer}): a label stage samples the policy on
    /// them and labels every step by checking it; 0: the file is not written.
    /// </summary>
    public int PrmPolicy { get; init; }

    /// <summary>Share of the pool written correctly; the rest is split evenly between flawed and wrong traces.</summary>
    public double PoolCorrectFraction { get; init; } = 1.0 / 3;

    public void Validate()
    {
        foreach (var (name, value) in new[] { ("sft", Sft), ("grpo", Grpo), ("eval", Eval), ("pool", Pool), ("prm", Prm) })
            if (value < 1) throw new ArgumentException($"{name} is {value}; every split needs at least one problem");
        if (PrmPolicy < 0) throw new ArgumentException($"prm_policy is {PrmPolicy}; it must be at least 0 (0: no prm_problems.jsonl)");
        if (!(PoolCorrectFraction >= 0 && PoolCorrectFraction <= 1))
            throw new ArgumentException($"pool_correct_fraction is {PoolCorrectFraction}; it must be in [0, 1]");
    }
}
