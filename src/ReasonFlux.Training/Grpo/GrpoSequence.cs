namespace ReasonFlux.Training.Grpo;

/// <summary>
/// One sampled completion ready for the policy update: its tokens, a per-token advantage, the log-probs the
/// rollout engine reported while sampling (the trainer checks its own against them), and whether the completion
/// takes part in the loss (false: masked out, e.g. an overlong completion under reward.overlong.mode: filter).
/// </summary>
public sealed record GrpoSequence(int[] PromptIds, int[] CompletionIds, float[] Advantages, float[] RolloutLogProbs, bool InLoss = true);

/// <summary>What "generate and score" hands to "compute loss": the sequences and the step's rollout metrics.</summary>
public sealed record GrpoRolloutBatch(IReadOnlyList<GrpoSequence> Sequences, IReadOnlyDictionary<string, double> Metrics, long GeneratedTokens);
