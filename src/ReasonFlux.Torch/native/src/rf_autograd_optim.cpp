// Autograd entry points, AdamW over all parameters with _foreach ops, and global grad-norm clipping.
// Each is a handful of native calls per step, not per parameter.
#include "rf_common.h"

#include <cmath>
#include <map>

using rf::T;
using rf::wrap;

RF_EXPORT int32_t rf_tensor_set_requires_grad(rf_tensor* t, int32_t flag) {
  RF_TRY
  T(t).requires_grad_(flag != 0);
  RF_CATCH
}

RF_EXPORT int32_t rf_tensor_grad(rf_tensor* t, rf_tensor** out) { RF_OUT(T(t).grad()) }

RF_EXPORT int32_t rf_tensor_set_grad(rf_tensor* t, rf_tensor* grad) {
  RF_TRY
  if (grad == nullptr) T(t).mutable_grad().reset();
  else T(t).mutable_grad() = T(grad);
  RF_CATCH
}

RF_EXPORT int32_t rf_tensor_is_leaf(rf_tensor* t, int32_t* v) {
  RF_TRY
  *v = T(t).is_leaf() ? 1 : 0;
  RF_CATCH
}

RF_EXPORT int32_t rf_tensor_backward(rf_tensor* t, rf_tensor* grad, int32_t retain_graph) {
  RF_TRY
  at::Tensor g;
  if (grad != nullptr) g = T(grad);
  T(t).backward(g, retain_graph != 0 ? c10::optional<bool>(true) : c10::nullopt);
  RF_CATCH
}

// set_to_none semantics: frees gradient memory between steps.
RF_EXPORT int32_t rf_zero_grad(rf_tensor** params, int32_t n) {
  RF_TRY
  for (int32_t i = 0; i < n; i++) T(params[i]).mutable_grad().reset();
  RF_CATCH
}

RF_EXPORT int32_t rf_clip_grad_norm(rf_tensor** params, int32_t n, double max_norm, double* total_norm) {
  RF_TRY
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> grads;
  for (int32_t i = 0; i < n; i++) {
    auto g = T(params[i]).grad();
    if (g.defined()) grads.push_back(g);
  }
  if (grads.empty()) {
    *total_norm = 0.0;
    return 0;
  }
  auto norms = at::_foreach_norm(grads, 2);
  auto device = grads[0].device();
  for (auto& x : norms) x = x.to(device, at::kFloat);
  const double total = at::stack(norms).norm(2).item<double>();  // host sync: the norm is logged anyway
  *total_norm = total;
  const double coef = max_norm / (total + 1e-6);
  if (max_norm > 0 && coef < 1.0) at::_foreach_mul_(grads, coef);
  RF_CATCH
}

// With a master dtype (fp32) wider than a parameter's (bf16/fp16), the parameter gets an fp32 master copy and fp32
// moments: updates of lr·m/sqrt(v) ~ 1e-6 relative are far below bf16's 2^-8 resolution and would round away if
// applied to the bf16 weights in place. The step updates the master, then casts it into the parameter.
struct rf_adamw {
  std::vector<at::Tensor> params, master, exp_avg, exp_avg_sq;  // master[i] undefined: the parameter itself
  std::vector<int64_t> steps;
  double beta1, beta2, eps, weight_decay;
};

namespace {
rf_adamw& A(rf_adamw* h) {
  if (h == nullptr) throw std::invalid_argument("null optimizer handle");
  return *h;
}
}  // namespace

// master_dtype < 0: no master copies (every parameter is updated in place in its own dtype).
RF_EXPORT int32_t rf_adamw_new(rf_tensor** params, int32_t n, double beta1, double beta2, double eps, double weight_decay, int32_t master_dtype, rf_adamw** out) {
  RF_TRY
  auto opt = std::make_unique<rf_adamw>();
  at::NoGradGuard no_grad;
  for (int32_t i = 0; i < n; i++) {
    auto& p = T(params[i]);
    opt->params.push_back(p);
    at::Tensor m;
    if (master_dtype >= 0 && p.is_floating_point() && p.scalar_type() != static_cast<at::ScalarType>(master_dtype))
      m = p.detach().to(static_cast<at::ScalarType>(master_dtype), /*non_blocking=*/false, /*copy=*/true);
    opt->master.push_back(m);
    auto& like = m.defined() ? m : p;
    opt->exp_avg.push_back(at::zeros_like(like, at::MemoryFormat::Preserve));
    opt->exp_avg_sq.push_back(at::zeros_like(like, at::MemoryFormat::Preserve));
    opt->steps.push_back(0);
  }
  opt->beta1 = beta1;
  opt->beta2 = beta2;
  opt->eps = eps;
  opt->weight_decay = weight_decay;
  *out = opt.release();
  RF_CATCH
}

RF_EXPORT void rf_adamw_dispose(rf_adamw* h) { delete h; }

// PyTorch's AdamW (decoupled weight decay, bias correction per parameter step count). Parameters without a
// gradient are skipped and keep their step count, as in torch.optim.AdamW.
RF_EXPORT int32_t rf_adamw_step(rf_adamw* h, double lr) {
  RF_TRY
  auto& o = A(h);
  at::NoGradGuard no_grad;
  // Group by step count so each group shares one bias correction (normally a single group).
  std::map<int64_t, std::vector<size_t>> groups;
  for (size_t i = 0; i < o.params.size(); i++)
    if (o.params[i].grad().defined()) groups[o.steps[i] + 1].push_back(i);
  for (auto& [step, idx] : groups) {
    std::vector<at::Tensor> ps, gs, m, v;
    for (auto i : idx) {
      const bool has_master = o.master[i].defined();
      ps.push_back(has_master ? o.master[i] : o.params[i]);
      gs.push_back(has_master ? o.params[i].grad().to(o.master[i].scalar_type()) : o.params[i].grad());
      m.push_back(o.exp_avg[i]);
      v.push_back(o.exp_avg_sq[i]);
      o.steps[i] = step;
    }
    if (o.weight_decay != 0.0) at::_foreach_mul_(ps, 1.0 - lr * o.weight_decay);
    at::_foreach_mul_(m, o.beta1);
    at::_foreach_add_(m, gs, 1.0 - o.beta1);
    at::_foreach_mul_(v, o.beta2);
    at::_foreach_addcmul_(v, gs, gs, 1.0 - o.beta2);
    const double bias1 = 1.0 - std::pow(o.beta1, static_cast<double>(step));
    const double bias2 = 1.0 - std::pow(o.beta2, static_cast<double>(step));
    auto denom = at::_foreach_sqrt(v);
    at::_foreach_div_(denom, std::sqrt(bias2));
    at::_foreach_add_(denom, o.eps);
    at::_foreach_addcdiv_(ps, m, denom, -lr / bias1);
    for (auto i : idx)
      if (o.master[i].defined()) o.params[i].copy_(o.master[i]);
  }
  RF_CATCH
}

RF_EXPORT int32_t rf_adamw_count(rf_adamw* h, int32_t* n) {
  RF_TRY
  *n = static_cast<int32_t>(A(h).params.size());
  RF_CATCH
}

// Aliases of the state tensors (not copies): for checkpointing.
RF_EXPORT int32_t rf_adamw_get_state(rf_adamw* h, int32_t index, rf_tensor** exp_avg, rf_tensor** exp_avg_sq, int64_t* step) {
  RF_TRY
  auto& o = A(h);
  if (index < 0 || index >= static_cast<int32_t>(o.params.size())) throw std::out_of_range("optimizer state index out of range");
  *exp_avg = wrap(o.exp_avg[index]);
  *exp_avg_sq = wrap(o.exp_avg_sq[index]);
  *step = o.steps[index];
  RF_CATCH
}

RF_EXPORT int32_t rf_adamw_set_state(rf_adamw* h, int32_t index, rf_tensor* exp_avg, rf_tensor* exp_avg_sq, int64_t step) {
  RF_TRY
  auto& o = A(h);
  if (index < 0 || index >= static_cast<int32_t>(o.params.size())) throw std::out_of_range("optimizer state index out of range");
  at::NoGradGuard no_grad;
  TORCH_CHECK(T(exp_avg).sizes() == o.exp_avg[index].sizes(), "exp_avg shape ", T(exp_avg).sizes(), " does not match parameter ", o.exp_avg[index].sizes());
  TORCH_CHECK(T(exp_avg_sq).sizes() == o.exp_avg_sq[index].sizes(), "exp_avg_sq shape ", T(exp_avg_sq).sizes(), " does not match parameter ", o.exp_avg_sq[index].sizes());
  o.exp_avg[index].copy_(T(exp_avg));
  o.exp_avg_sq[index].copy_(T(exp_avg_sq));
  o.steps[index] = step;
  RF_CATCH
}

// The full-precision value of parameter i (an alias of its master copy, or of the parameter when it has none):
// what checkpoints and saved models hold.
RF_EXPORT int32_t rf_adamw_get_master(rf_adamw* h, int32_t index, rf_tensor** out) {
  RF_TRY
  auto& o = A(h);
  if (index < 0 || index >= static_cast<int32_t>(o.params.size())) throw std::out_of_range("optimizer parameter index out of range");
  *out = wrap(o.master[index].defined() ? o.master[index] : o.params[index]);
  RF_CATCH
}

// Restores parameter i's full-precision value: into the master copy, and cast into the parameter.
RF_EXPORT int32_t rf_adamw_set_master(rf_adamw* h, int32_t index, rf_tensor* value) {
  RF_TRY
  auto& o = A(h);
  if (index < 0 || index >= static_cast<int32_t>(o.params.size())) throw std::out_of_range("optimizer parameter index out of range");
  at::NoGradGuard no_grad;
  auto& v = T(value);
  TORCH_CHECK(v.sizes() == o.params[index].sizes(), "master weight shape ", v.sizes(), " does not match parameter ", o.params[index].sizes());
  if (o.master[index].defined()) o.master[index].copy_(v);
  o.params[index].copy_(v);
  RF_CATCH
}
