// Fused helpers: one call from C# for what would otherwise be many, each reproducing Hugging Face
// Qwen2's eager math so checkpoints behave the same here as in transformers.
#include "rf_common.h"

#include <cmath>
#include <limits>

using rf::T;
using rf::wrap;

namespace {
// HF upcasts half/bf16 to fp32 for norms, rotary tables and softmax; fp64 stays fp64 (gradient checks).
at::ScalarType compute_type(at::ScalarType t) { return t == at::kDouble ? at::kDouble : at::kFloat; }
}  // namespace

// Qwen2RMSNorm: normalise in fp32, cast back, then scale.
RF_EXPORT int32_t rf_rms_norm(rf_tensor* x, rf_tensor* weight, double eps, rf_tensor** out) {
  RF_TRY
  auto& input = T(x);
  auto h = input.to(compute_type(input.scalar_type()));
  auto variance = h.pow(2).mean({-1}, /*keepdim=*/true);
  h = h * at::rsqrt(variance + eps);
  *out = wrap(T(weight) * h.to(input.scalar_type()));
  RF_CATCH
}

RF_EXPORT int32_t rf_swiglu(rf_tensor* gate, rf_tensor* up, rf_tensor** out) { RF_OUT(at::silu(T(gate)) * T(up)) }

// cos/sin tables for rotary embeddings at explicit positions [B, T] (per-sequence positions make left
// padding and KV-cache offsets exact). Returns [B, T, head_dim] in `dtype`, computed in fp32 like HF.
RF_EXPORT int32_t rf_rope_cos_sin(rf_tensor* positions, int64_t head_dim, double theta, int32_t dtype, rf_tensor** cos_out, rf_tensor** sin_out) {
  RF_TRY
  auto& pos = T(positions);
  auto target = static_cast<at::ScalarType>(dtype);
  auto ct = compute_type(target);
  auto fopts = at::TensorOptions().dtype(ct).device(pos.device());
  auto exponents = at::arange(0, head_dim, 2, at::TensorOptions().dtype(at::kLong).device(pos.device())).to(ct) / static_cast<double>(head_dim);
  auto inv_freq = at::pow(at::scalar_tensor(theta, fopts), exponents).reciprocal();  // [D/2]
  auto freqs = pos.to(ct).unsqueeze(-1) * inv_freq;                                    // [B, T, D/2]
  auto emb = at::cat({freqs, freqs}, -1);
  *cos_out = wrap(emb.cos().to(target));
  *sin_out = wrap(emb.sin().to(target));
  RF_CATCH
}

// x [B, H, T, D] with cos/sin [B, T, D]: x*cos + rotate_half(x)*sin.
RF_EXPORT int32_t rf_rope_apply(rf_tensor* x, rf_tensor* cos, rf_tensor* sin, rf_tensor** out) {
  RF_TRY
  auto& t = T(x);
  auto c = T(cos).unsqueeze(1);
  auto s = T(sin).unsqueeze(1);
  auto half = t.size(-1) / 2;
  auto x1 = t.narrow(-1, 0, half);
  auto x2 = t.narrow(-1, half, t.size(-1) - half);
  auto rotated = at::cat({x2.neg(), x1}, -1);
  *out = wrap(t * c + rotated * s);
  RF_CATCH
}

namespace {

// Boolean mask [mB, 1, T, S], true = may attend. Query i sits at key position q_offset + i. A row with no
// allowed key (a left-pad query) attends everywhere instead: its output is discarded by the caller, and this
// keeps softmax finite, where an all -inf row would put NaN into the gradients.
at::Tensor attention_mask(int64_t T_, int64_t S, int64_t q_offset, bool causal, const at::Tensor* key_valid, at::Device dev) {
  auto lopts = at::TensorOptions().dtype(at::kLong).device(dev);
  at::Tensor mask;
  if (causal) {
    auto qpos = at::arange(T_, lopts).add(q_offset).view({T_, 1});
    auto kpos = at::arange(S, lopts).view({1, S});
    mask = kpos.le(qpos).view({1, 1, T_, S});
  } else {
    mask = at::ones({1, 1, T_, S}, at::TensorOptions().dtype(at::kBool).device(dev));
  }
  if (key_valid != nullptr) mask = mask.logical_and(key_valid->to(at::kBool).view({key_valid->size(0), 1, 1, S}));
  auto row_has_key = mask.any(-1, /*keepdim=*/true);
  return mask.logical_or(row_has_key.logical_not());
}

}  // namespace

// Causal grouped-query attention. q [B, Hq, T, D]; k, v [B, Hkv, S, D] with Hq a multiple of Hkv (query head
// h reads kv head h / (Hq/Hkv), as HF's repeat_kv); key_valid [B, S] or null.
RF_EXPORT int32_t rf_attention(rf_tensor* q, rf_tensor* k, rf_tensor* v, rf_tensor* key_valid, int64_t q_offset, int32_t causal, rf_tensor** out) {
  RF_TRY
  auto& Q = T(q);
  auto& K = T(k);
  auto& V = T(v);
  TORCH_CHECK(Q.dim() == 4 && K.dim() == 4 && V.dim() == 4, "attention expects 4-d q, k, v [B, H, T, D]");
  const int64_t B = Q.size(0), Hq = Q.size(1), T_ = Q.size(2), D = Q.size(3);
  const int64_t Hkv = K.size(1), S = K.size(2);
  TORCH_CHECK(Hkv > 0 && Hq % Hkv == 0, "attention: query heads (", Hq, ") must be a multiple of kv heads (", Hkv, ")");
  TORCH_CHECK(K.size(0) == B && V.size(0) == B && K.size(3) == D && V.size(2) == S, "attention: k/v shapes ", K.sizes(), " ", V.sizes(), " do not match q ", Q.sizes());
  const int64_t G = Hq / Hkv;
  at::Tensor kv_mask_storage;
  const at::Tensor* kvm = nullptr;
  if (key_valid != nullptr) {
    kv_mask_storage = T(key_valid);
    TORCH_CHECK(kv_mask_storage.dim() == 2 && kv_mask_storage.size(0) == B && kv_mask_storage.size(1) == S,
                "attention: key_valid must be [B, S] = [", B, ", ", S, "], got ", kv_mask_storage.sizes());
    kvm = &kv_mask_storage;
  }
  auto mask = attention_mask(T_, S, q_offset, causal != 0, kvm, Q.device());

#if RF_TORCH_AT_LEAST(2, 0)
  at::Tensor Kx = K, Vx = V;
  if (G > 1) {
    Kx = K.unsqueeze(2).expand({B, Hkv, G, S, D}).reshape({B, Hq, S, D});
    Vx = V.unsqueeze(2).expand({B, Hkv, G, S, D}).reshape({B, Hq, S, D});
  }
  *out = wrap(at::scaled_dot_product_attention(Q, Kx, Vx, mask, 0.0, false));
#else
  // Explicit math without materialising repeated K/V: fold the G query heads of each kv head into rows.
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));
  auto qg = Q.reshape({B, Hkv, G * T_, D});
  auto scores = at::matmul(qg, K.transpose(-2, -1)).mul(scale).view({B, Hkv, G, T_, S});
  auto mask5 = mask.view({mask.size(0), 1, 1, T_, S});
  auto probs = scores.to(compute_type(Q.scalar_type())).masked_fill(mask5.logical_not(), -std::numeric_limits<float>::infinity()).softmax(-1).to(Q.scalar_type());
  auto o = at::matmul(probs.view({B, Hkv, G * T_, S}), V);
  *out = wrap(o.view({B, Hq, T_, D}));
#endif
  RF_CATCH
}

// log p(ids | logits) per position, in fp32: gather minus logsumexp, never materialising log_softmax.
RF_EXPORT int32_t rf_token_logprobs(rf_tensor* logits, rf_tensor* ids, rf_tensor** out) {
  RF_TRY
  auto l = T(logits).to(compute_type(T(logits).scalar_type()));
  auto picked = l.gather(-1, T(ids).unsqueeze(-1)).squeeze(-1);
  *out = wrap(picked - l.logsumexp({-1}, false));
  RF_CATCH
}

// reduction: 0 none, 1 mean, 2 sum (at::Reduction numbering).
RF_EXPORT int32_t rf_cross_entropy(rf_tensor* logits, rf_tensor* target, int64_t ignore_index, int32_t reduction, rf_tensor** out) {
  RF_OUT(at::cross_entropy_loss(T(logits), T(target), {}, reduction, ignore_index, 0.0))
}
