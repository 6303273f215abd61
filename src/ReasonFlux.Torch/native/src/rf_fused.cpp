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

// A query row with no allowed key (a padding query) attends everywhere instead: its output is discarded by the
// caller, and this keeps softmax finite, where an all -inf row would put NaN into the gradients.
at::Tensor attend_everywhere_if_empty(const at::Tensor& mask) {
  return mask.logical_or(mask.any(-1, /*keepdim=*/true).logical_not());
}

}  // namespace

// Attention masks are built once per forward and shared by every layer (rf_attention_mask), not rebuilt per
// layer: the mask ops cost as much as attention itself for short sequences.
//
// Boolean mask [mB, 1, T, S], true = may attend. Query i sits at key position q_offset + i; a left-pad query
// with no allowed key attends everywhere (attend_everywhere_if_empty).
// *out is null when nothing needs masking: every query may see every key (decoding one token without padding,
// or non-causal without padding), or the plain causal triangle (T == S, no offset, no padding), which is
// reported through *plain_causal so attention can take the fused causal path instead of reading a mask.
RF_EXPORT int32_t rf_attention_mask(int64_t T_, int64_t S, int64_t q_offset, int32_t causal, rf_tensor* key_valid, rf_tensor* like, int32_t* plain_causal, rf_tensor** out) {
  RF_TRY
  TORCH_CHECK(T_ > 0 && S >= T_ && q_offset >= 0 && q_offset + T_ <= S, "attention mask: ", T_, " queries at offset ", q_offset, " do not fit ", S, " keys");
  *plain_causal = 0;
  *out = nullptr;
  const bool needs_causal = causal != 0 && q_offset + 1 < S;  // the first query cannot see every key
  if (key_valid == nullptr) {
    if (!needs_causal) return 0;
#if RF_TORCH_AT_LEAST(2, 0)
    // SDPA's is_causal path; the 1.13 math path applies a mask either way, so it gets the built one.
    if (q_offset == 0 && T_ == S) { *plain_causal = 1; return 0; }
#endif
  }
  auto dev = T(like).device();
  auto lopts = at::TensorOptions().dtype(at::kLong).device(dev);
  at::Tensor mask;
  if (needs_causal) {
    auto qpos = at::arange(T_, lopts).add(q_offset).view({T_, 1});
    auto kpos = at::arange(S, lopts).view({1, S});
    mask = kpos.le(qpos).view({1, 1, T_, S});
  } else {
    mask = at::ones({1, 1, T_, S}, at::TensorOptions().dtype(at::kBool).device(dev));
  }
  if (key_valid != nullptr) {
    auto& kv = T(key_valid);
    TORCH_CHECK(kv.dim() == 2 && kv.size(1) == S, "attention: key_valid must be [B, ", S, "], got ", kv.sizes());
    mask = attend_everywhere_if_empty(mask.logical_and(kv.to(at::kBool).view({kv.size(0), 1, 1, S})));
  }
  *out = wrap(std::move(mask));
  RF_CATCH
}

// The mask of packed rows (several sequences per row, no KV cache): segments [B, T] int64 names each position's
// sequence (-1 = padding). Query i may see key j when j <= i and both belong to the same sequence, so attention
// never crosses a boundary: [B, 1, T, T] bool, true = may attend. Padding queries see no key and get the
// attend-everywhere row (their output is discarded), as in rf_attention_mask.
RF_EXPORT int32_t rf_segment_attention_mask(rf_tensor* segments, rf_tensor** out) {
  RF_TRY
  auto& seg = T(segments);
  TORCH_CHECK(seg.dim() == 2 && seg.scalar_type() == at::kLong, "segment mask: segments must be int64 [B, T], got ", seg.scalar_type(), " ", seg.sizes());
  const int64_t B = seg.size(0), T_ = seg.size(1);
  auto lopts = at::TensorOptions().dtype(at::kLong).device(seg.device());
  auto causal = at::arange(T_, lopts).view({1, T_}).le(at::arange(T_, lopts).view({T_, 1}));  // [T(q), T(k)]: k <= q
  auto same = seg.view({B, T_, 1}).eq(seg.view({B, 1, T_}));                                 // [B, T(q), T(k)]
  auto real = seg.ge(0).view({B, 1, T_});
  *out = wrap(attend_everywhere_if_empty(same.logical_and(real).logical_and(causal.view({1, T_, T_})).view({B, 1, T_, T_})));
  RF_CATCH
}

// Causal grouped-query attention. q [B, Hq, T, D]; k, v [B, Hkv, S, D] with Hq a multiple of Hkv (query head
// h reads kv head h / (Hq/Hkv), as HF's repeat_kv). mask: from rf_attention_mask ([mB, 1, T, S] bool, true =
// may attend) or null; plain_causal: no mask, the causal triangle with T == S.
RF_EXPORT int32_t rf_attention(rf_tensor* q, rf_tensor* k, rf_tensor* v, rf_tensor* mask, int32_t plain_causal, rf_tensor** out) {
  RF_TRY
  auto& Q = T(q);
  auto& K = T(k);
  auto& V = T(v);
  TORCH_CHECK(Q.dim() == 4 && K.dim() == 4 && V.dim() == 4, "attention expects 4-d q, k, v [B, H, T, D]");
  const int64_t B = Q.size(0), Hq = Q.size(1), T_ = Q.size(2), D = Q.size(3);
  const int64_t Hkv = K.size(1), S = K.size(2);
  TORCH_CHECK(Hkv > 0 && Hq % Hkv == 0, "attention: query heads (", Hq, ") must be a multiple of kv heads (", Hkv, ")");
  TORCH_CHECK(K.size(0) == B && V.size(0) == B && K.size(3) == D && V.size(2) == S, "attention: k/v shapes ", K.sizes(), " ", V.sizes(), " do not match q ", Q.sizes());
  TORCH_CHECK(!(plain_causal != 0 && mask != nullptr), "attention: pass a mask or plain_causal, not both");
  TORCH_CHECK(plain_causal == 0 || T_ == S, "attention: plain causal needs as many queries as keys, got ", T_, " and ", S);
  at::Tensor M;
  if (mask != nullptr) {
    M = T(mask);
    TORCH_CHECK(M.scalar_type() == at::kBool && M.dim() == 4 && (M.size(0) == 1 || M.size(0) == B) && M.size(1) == 1 && M.size(2) == T_ && M.size(3) == S,
                "attention: mask must be bool [1 or ", B, ", 1, ", T_, ", ", S, "], got ", M.scalar_type(), " ", M.sizes());
  }
  const int64_t G = Hq / Hkv;

#if RF_TORCH_AT_LEAST(2, 0)
  at::Tensor Kx = K, Vx = V;
  if (G > 1) {
    Kx = K.unsqueeze(2).expand({B, Hkv, G, S, D}).reshape({B, Hq, S, D});
    Vx = V.unsqueeze(2).expand({B, Hkv, G, S, D}).reshape({B, Hq, S, D});
  }
  *out = wrap(at::scaled_dot_product_attention(Q, Kx, Vx, mask != nullptr ? c10::optional<at::Tensor>(M) : c10::nullopt, 0.0, plain_causal != 0));
#else
  // Explicit math without materialising repeated K/V: fold the G query heads of each kv head into rows. The
  // scale goes on q ([.., T, D]) rather than on the scores ([.., T, S]), and the mask is applied in place.
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));
  auto qg = Q.mul(scale).reshape({B, Hkv, G * T_, D});
  auto scores = at::matmul(qg, K.transpose(-2, -1)).view({B, Hkv, G, T_, S}).to(compute_type(Q.scalar_type()));
  if (plain_causal != 0) {
    auto blocked = at::ones({T_, S}, at::TensorOptions().dtype(at::kBool).device(Q.device())).triu(1);
    scores.masked_fill_(blocked, -std::numeric_limits<float>::infinity());
  } else if (mask != nullptr) {
    scores.masked_fill_(M.logical_not().view({M.size(0), 1, 1, T_, S}), -std::numeric_limits<float>::infinity());
  }
  auto probs = scores.softmax(-1).to(Q.scalar_type());
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
