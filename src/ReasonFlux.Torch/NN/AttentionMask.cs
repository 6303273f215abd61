namespace ReasonFlux.Torch;

/// <summary>
/// Which keys each query may attend, for one forward pass (see <see cref="torch.nn.functional.attention_mask"/>).
/// <paramref name="Allowed"/> is a bool [B or 1, 1, T, S] tensor, true = may attend, or null when there is nothing
/// to mask: then <paramref name="IsPlainCausal"/> says whether the causal triangle still applies (handled by the
/// fused kernel without a mask tensor).
/// </summary>
public readonly record struct AttentionMask(Tensor? Allowed, bool IsPlainCausal);
