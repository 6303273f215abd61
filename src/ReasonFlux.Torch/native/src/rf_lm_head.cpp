// Log-probabilities of the taken tokens (and the entropy) straight from hidden states through the LM head,
// in chunks of positions: only a [chunk, V] block of logits exists at a time, in forward and in backward.
// One 16k-token sequence with a 152k vocabulary would otherwise be 9.7 GB of fp32 logits before backward.
#include "rf_common.h"

#include <torch/csrc/autograd/custom_function.h>

using rf::T;
using rf::wrap;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

namespace {

at::ScalarType compute_type(at::ScalarType t) { return t == at::kDouble ? at::kDouble : at::kFloat; }

// Logits of one chunk in the compute dtype: the matmul runs in the model dtype (as HF's lm_head does), the
// softmax math in fp32.
at::Tensor chunk_logits(const at::Tensor& h, const at::Tensor& weight, double scale) {
  auto z = at::matmul(h, weight.t()).to(compute_type(h.scalar_type()));
  return scale == 1.0 ? z : z.mul(scale);
}

// forward: hidden [N, H], weight [V, H], ids [N] -> logp [N] (and entropy [N]) in fp32.
// backward recomputes each chunk's logits from the saved hidden states and the per-position logsumexp:
// d logp_i / dz = onehot(id_i) - p_i and d H_i / dz = -p_i * (log p_i + H_i).
// When all N × V logits fit the caller's budget (keep), forward computes them as one chunk, takes log_softmax in
// one fused kernel and keeps that for backward instead: recomputing costs one more LM-head matmul, for a small
// model with a large vocabulary about a fifth of the whole training step, and logsumexp's separate max / sub /
// exp / sum passes over [N, V] cost what F.cross_entropy's fused kernel does not.
struct ChunkedTokenLogProbs : public torch::autograd::Function<ChunkedTokenLogProbs> {
  static variable_list forward(AutogradContext* ctx, const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& ids,
                               double scale, int64_t chunk, bool with_entropy, bool keep) {
    const int64_t n = hidden.size(0);
    if (keep) chunk = n;
    auto ct = compute_type(hidden.scalar_type());
    auto fopts = hidden.options().dtype(ct);
    auto logp = at::empty({n}, fopts);
    auto lse = keep ? at::empty({0}, fopts) : at::empty({n}, fopts);
    auto entropy = with_entropy ? at::empty({n}, fopts) : at::Tensor();
    if (keep) {
      // All logits at once: log_softmax is one fused kernel (as F.cross_entropy uses), and only its output is kept
      // for backward; the raw logits are freed here. lse is not needed then.
      auto logp_all = at::log_softmax(chunk_logits(hidden, weight, scale), 1);
      logp.copy_(logp_all.gather(1, ids.unsqueeze(1)).squeeze(1));
      if (with_entropy) entropy.copy_(logp_all.exp().mul_(logp_all).sum(-1).neg_());
      ctx->saved_data["logp_all"] = logp_all;
    } else {
      for (int64_t s = 0; s < n; s += chunk) {
        const int64_t c = std::min(chunk, n - s);
        auto z = chunk_logits(hidden.narrow(0, s, c), weight, scale);
        auto l = z.logsumexp({-1});
        lse.narrow(0, s, c).copy_(l);
        logp.narrow(0, s, c).copy_(z.gather(1, ids.narrow(0, s, c).unsqueeze(1)).squeeze(1) - l);
        if (with_entropy) entropy.narrow(0, s, c).copy_(l - z.sub(l.unsqueeze(1)).exp_().mul_(z).sum(-1));
      }
    }
    ctx->saved_data["scale"] = scale;
    ctx->saved_data["chunk"] = chunk;
    ctx->saved_data["entropy"] = with_entropy;
    if (with_entropy) {
      ctx->save_for_backward({hidden, weight, ids, lse, entropy});
      return {logp, entropy};
    }
    ctx->save_for_backward({hidden, weight, ids, lse});
    return {logp};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    auto hidden = saved[0], weight = saved[1], ids = saved[2], lse = saved[3];
    const bool with_entropy = ctx->saved_data["entropy"].toBool();
    auto entropy = with_entropy ? saved[4] : at::Tensor();
    const double scale = ctx->saved_data["scale"].toDouble();
    const int64_t chunk = ctx->saved_data["chunk"].toInt();
    const int64_t n = hidden.size(0);
    auto kept = ctx->saved_data.count("logp_all") ? ctx->saved_data["logp_all"].toTensor() : at::Tensor();
    auto ct = compute_type(hidden.scalar_type());
    auto g_logp = grads[0].defined() ? grads[0].to(ct) : at::zeros({n}, hidden.options().dtype(ct));
    auto g_ent = with_entropy && grads.size() > 1 && grads[1].defined() ? grads[1].to(ct) : at::Tensor();
    const bool need_h = hidden.requires_grad(), need_w = weight.requires_grad();
    auto grad_h = need_h ? at::empty_like(hidden) : at::Tensor();
    // The weight gradient accumulates over chunks in fp32 even for a bf16 head, then is cast once.
    at::Tensor grad_w;
    // Each chunk allocates one [c, V] block (p, turned into the logits' gradient in place), two with entropy.
    for (int64_t s = 0; s < n; s += chunk) {
      const int64_t c = std::min(chunk, n - s);
      auto h = hidden.narrow(0, s, c);
      auto logp_all = kept.defined() ? kept  // one chunk: s == 0, c == n; never written (backward may run twice)
                                     : chunk_logits(h, weight, scale).sub_(lse.narrow(0, s, c).unsqueeze(1));  // [c, V]
      auto gz = logp_all.exp();  // p
      auto gl = g_logp.narrow(0, s, c).unsqueeze(1);
      at::Tensor dh;
      if (g_ent.defined()) {
        auto shifted = kept.defined() ? logp_all.add(entropy.narrow(0, s, c).unsqueeze(1)) : logp_all.add_(entropy.narrow(0, s, c).unsqueeze(1));
        dh = shifted.mul_(gz).mul_(g_ent.narrow(0, s, c).unsqueeze(1));
      }
      gz.mul_(gl.neg());
      gz.scatter_add_(1, ids.narrow(0, s, c).unsqueeze(1), gl);
      if (dh.defined()) gz.sub_(dh);
      if (scale != 1.0) gz.mul_(scale);
      if (need_h) {
        auto gh = grad_h.narrow(0, s, c);
        if (gh.scalar_type() == weight.scalar_type()) at::mm_out(gh, gz.to(weight.scalar_type()), weight);
        else gh.copy_(at::matmul(gz.to(weight.scalar_type()), weight));
      }
      if (need_w) {
        auto hc = h.to(ct);
        if (s == 0) grad_w = at::mm(gz.t(), hc);
        else grad_w.addmm_(gz.t(), hc);
      }
    }
    if (need_w) grad_w = grad_w.to(weight.scalar_type());
    return {grad_h, grad_w, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

// The same quantities with ordinary autograd ops over the full [N, V] logits: the reference the chunked path is
// tested against, and what chunk <= 0 selects.
variable_list unchunked(const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& ids, double scale, bool with_entropy) {
  auto z = chunk_logits(hidden, weight, scale);
  auto l = z.logsumexp({-1});
  auto logp = z.gather(1, ids.unsqueeze(1)).squeeze(1) - l;
  if (!with_entropy) return {logp};
  return {logp, l - z.softmax(-1).mul(z).sum(-1)};
}

}  // namespace

// hidden [..., H] and ids [...] (same leading shape); weight [V, H]. Each logit is multiplied by `scale`
// (1/temperature). Writes log p(id) and, when entropy_out is non-null, the entropy of each position's
// distribution, both fp32 (fp64 for fp64 inputs) in ids' shape. chunk <= 0 materialises all logits through
// ordinary autograd ops. keep_elements: when N × V is at most this, the logits are computed once and kept for
// backward rather than recomputed chunk by chunk (0: always recompute).
RF_EXPORT int32_t rf_lm_head_logprobs(rf_tensor* hidden, rf_tensor* weight, rf_tensor* ids, double scale, int64_t chunk, int64_t keep_elements, rf_tensor** logp_out, rf_tensor** entropy_out) {
  RF_TRY
  auto& h = T(hidden);
  auto& w = T(weight);
  auto& id = T(ids);
  TORCH_CHECK(w.dim() == 2 && h.size(-1) == w.size(1), "lm_head_logprobs: hidden ", h.sizes(), " does not match lm_head weight ", w.sizes());
  TORCH_CHECK(h.dim() == id.dim() + 1 && h.sizes().slice(0, id.dim()) == id.sizes(), "lm_head_logprobs: hidden ", h.sizes(), " and ids ", id.sizes(), " do not line up");
  auto flat_h = h.reshape({-1, h.size(-1)});
  auto flat_ids = id.reshape({-1}).to(at::kLong);
  const bool with_entropy = entropy_out != nullptr;
  const bool keep = flat_h.size(0) * w.size(0) <= keep_elements;
  auto outs = chunk > 0 && flat_h.size(0) > 0 ? ChunkedTokenLogProbs::apply(flat_h, w, flat_ids, scale, chunk, with_entropy, keep)
                                               : unchunked(flat_h, w, flat_ids, scale, with_entropy);
  *logp_out = wrap(outs[0].view(id.sizes()));
  if (with_entropy) *entropy_out = wrap(outs[1].view(id.sizes()));
  RF_CATCH
}
