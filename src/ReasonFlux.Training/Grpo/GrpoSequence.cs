namespace ReasonFlux.Training.Grpo;

/// <summary>One sampled completion ready for the policy update: its tokens and a per-token advantage.</summary>
public sealed record GrpoSequence(int[] PromptIds, int[] CompletionIds, float[] Advantages);

/// <summary>What "generate and score" hands to "compute loss": the sequences and the step's rollout metrics.</summary>
public sealed record GrpoRolloutBatch(IReadOnlyList<GrpoSequence> Sequences, IReadOnlyDictionary<string, double> Metrics, long GeneratedTokens);
