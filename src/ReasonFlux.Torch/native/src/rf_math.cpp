// Arithmetic, comparisons, unary math, reductions, linear algebra, sorting and sampling.
#include "rf_common.h"

using rf::T;
using rf::wrap;

// Binary ops between two tensors, and between a tensor and a double scalar (no native Scalar objects
// are allocated: a double crosses the ABI and becomes an at::Scalar on the stack).
#define RF_BINARY(name, expr_tt, expr_ts)                                                      \
  RF_EXPORT int32_t rf_tensor_##name(rf_tensor* a, rf_tensor* b, rf_tensor** out) {           \
    RF_OUT(expr_tt)                                                                            \
  }                                                                                            \
  RF_EXPORT int32_t rf_tensor_##name##_scalar(rf_tensor* a, double s, rf_tensor** out) {       \
    RF_OUT(expr_ts)                                                                            \
  }

RF_BINARY(add, T(a).add(T(b)), T(a).add(s))
RF_BINARY(sub, T(a).sub(T(b)), T(a).sub(s))
RF_BINARY(mul, T(a).mul(T(b)), T(a).mul(s))
RF_BINARY(div, T(a).div(T(b)), T(a).div(s))
RF_BINARY(pow, T(a).pow(T(b)), T(a).pow(s))
RF_BINARY(maximum, at::maximum(T(a), T(b)), at::clamp_min(T(a), s))
RF_BINARY(minimum, at::minimum(T(a), T(b)), at::clamp_max(T(a), s))
RF_BINARY(eq, T(a).eq(T(b)), T(a).eq(s))
RF_BINARY(ne, T(a).ne(T(b)), T(a).ne(s))
RF_BINARY(lt, T(a).lt(T(b)), T(a).lt(s))
RF_BINARY(le, T(a).le(T(b)), T(a).le(s))
RF_BINARY(gt, T(a).gt(T(b)), T(a).gt(s))
RF_BINARY(ge, T(a).ge(T(b)), T(a).ge(s))
RF_BINARY(remainder, T(a).remainder(T(b)), T(a).remainder(s))

RF_EXPORT int32_t rf_tensor_rsub_scalar(rf_tensor* a, double s, rf_tensor** out) { RF_OUT(at::rsub(T(a), s)) }
RF_EXPORT int32_t rf_tensor_add_alpha(rf_tensor* a, rf_tensor* b, double alpha, rf_tensor** out) { RF_OUT(T(a).add(T(b), alpha)) }
RF_EXPORT int32_t rf_tensor_logical_and(rf_tensor* a, rf_tensor* b, rf_tensor** out) { RF_OUT(at::logical_and(T(a), T(b))) }
RF_EXPORT int32_t rf_tensor_logical_or(rf_tensor* a, rf_tensor* b, rf_tensor** out) { RF_OUT(at::logical_or(T(a), T(b))) }

// In-place updates used by optimizers and caches.
RF_EXPORT int32_t rf_tensor_add_(rf_tensor* a, rf_tensor* b, double alpha) {
  RF_TRY
  T(a).add_(T(b), alpha);
  RF_CATCH
}
RF_EXPORT int32_t rf_tensor_add_scalar_(rf_tensor* a, double s) {
  RF_TRY
  T(a).add_(s);
  RF_CATCH
}
RF_EXPORT int32_t rf_tensor_mul_(rf_tensor* a, rf_tensor* b) {
  RF_TRY
  T(a).mul_(T(b));
  RF_CATCH
}
RF_EXPORT int32_t rf_tensor_mul_scalar_(rf_tensor* a, double s) {
  RF_TRY
  T(a).mul_(s);
  RF_CATCH
}

#define RF_UNARY(name, expr) \
  RF_EXPORT int32_t rf_tensor_##name(rf_tensor* a, rf_tensor** out) { RF_OUT(expr) }

RF_UNARY(neg, T(a).neg())
RF_UNARY(abs, T(a).abs())
RF_UNARY(exp, T(a).exp())
RF_UNARY(log, T(a).log())
RF_UNARY(sqrt, T(a).sqrt())
RF_UNARY(rsqrt, T(a).rsqrt())
RF_UNARY(sigmoid, T(a).sigmoid())
RF_UNARY(silu, at::silu(T(a)))
RF_UNARY(relu, T(a).relu())
RF_UNARY(tanh, T(a).tanh())
RF_UNARY(sin, T(a).sin())
RF_UNARY(cos, T(a).cos())
RF_UNARY(floor, T(a).floor())
RF_UNARY(sign, T(a).sign())
RF_UNARY(logical_not, T(a).logical_not())
RF_UNARY(isnan, T(a).isnan())
RF_UNARY(isfinite, T(a).isfinite())

// has_min / has_max say which bound applies (an absent bound is not expressible as a double).
RF_EXPORT int32_t rf_tensor_clamp(rf_tensor* a, int32_t has_min, double min, int32_t has_max, double max, rf_tensor** out) {
  RF_TRY
  c10::optional<at::Scalar> lo, hi;
  if (has_min) lo = min;
  if (has_max) hi = max;
  *out = wrap(T(a).clamp(lo, hi));
  RF_CATCH
}

// ---- reductions ----

RF_EXPORT int32_t rf_tensor_sum_all(rf_tensor* a, rf_tensor** out) { RF_OUT(T(a).sum()) }
RF_EXPORT int32_t rf_tensor_mean_all(rf_tensor* a, rf_tensor** out) { RF_OUT(T(a).mean()) }
RF_EXPORT int32_t rf_tensor_max_all(rf_tensor* a, rf_tensor** out) { RF_OUT(T(a).max()) }
RF_EXPORT int32_t rf_tensor_min_all(rf_tensor* a, rf_tensor** out) { RF_OUT(T(a).min()) }
RF_EXPORT int32_t rf_tensor_any_all(rf_tensor* a, rf_tensor** out) { RF_OUT(T(a).any()) }
RF_EXPORT int32_t rf_tensor_all_all(rf_tensor* a, rf_tensor** out) { RF_OUT(T(a).all()) }

RF_EXPORT int32_t rf_tensor_sum(rf_tensor* a, const int64_t* d, int32_t nd, int32_t keepdim, rf_tensor** out) { RF_OUT(T(a).sum(rf::dims(d, nd), keepdim != 0)) }
RF_EXPORT int32_t rf_tensor_mean(rf_tensor* a, const int64_t* d, int32_t nd, int32_t keepdim, rf_tensor** out) { RF_OUT(T(a).mean(rf::dims(d, nd), keepdim != 0)) }
RF_EXPORT int32_t rf_tensor_logsumexp(rf_tensor* a, const int64_t* d, int32_t nd, int32_t keepdim, rf_tensor** out) { RF_OUT(T(a).logsumexp(rf::dims(d, nd), keepdim != 0)) }
RF_EXPORT int32_t rf_tensor_argmax(rf_tensor* a, int64_t dim, int32_t keepdim, rf_tensor** out) { RF_OUT(T(a).argmax(dim, keepdim != 0)) }
RF_EXPORT int32_t rf_tensor_argmin(rf_tensor* a, int64_t dim, int32_t keepdim, rf_tensor** out) { RF_OUT(T(a).argmin(dim, keepdim != 0)) }
RF_EXPORT int32_t rf_tensor_any(rf_tensor* a, int64_t dim, int32_t keepdim, rf_tensor** out) { RF_OUT(T(a).any(dim, keepdim != 0)) }
RF_EXPORT int32_t rf_tensor_norm(rf_tensor* a, double p, rf_tensor** out) { RF_OUT(T(a).norm(p)) }

RF_EXPORT int32_t rf_tensor_max_dim(rf_tensor* a, int64_t dim, int32_t keepdim, rf_tensor** values, rf_tensor** indices) {
  RF_TRY
  auto r = T(a).max(dim, keepdim != 0);
  *values = wrap(std::get<0>(r));
  *indices = wrap(std::get<1>(r));
  RF_CATCH
}

RF_EXPORT int32_t rf_tensor_min_dim(rf_tensor* a, int64_t dim, int32_t keepdim, rf_tensor** values, rf_tensor** indices) {
  RF_TRY
  auto r = T(a).min(dim, keepdim != 0);
  *values = wrap(std::get<0>(r));
  *indices = wrap(std::get<1>(r));
  RF_CATCH
}

RF_EXPORT int32_t rf_tensor_softmax(rf_tensor* a, int64_t dim, rf_tensor** out) { RF_OUT(T(a).softmax(dim)) }
RF_EXPORT int32_t rf_tensor_log_softmax(rf_tensor* a, int64_t dim, rf_tensor** out) { RF_OUT(T(a).log_softmax(dim)) }
RF_EXPORT int32_t rf_tensor_cumsum(rf_tensor* a, int64_t dim, rf_tensor** out) { RF_OUT(T(a).cumsum(dim)) }

// ---- linear algebra ----

RF_EXPORT int32_t rf_tensor_matmul(rf_tensor* a, rf_tensor* b, rf_tensor** out) { RF_OUT(T(a).matmul(T(b))) }
RF_EXPORT int32_t rf_tensor_bmm(rf_tensor* a, rf_tensor* b, rf_tensor** out) { RF_OUT(T(a).bmm(T(b))) }
RF_EXPORT int32_t rf_tensor_mm(rf_tensor* a, rf_tensor* b, rf_tensor** out) { RF_OUT(T(a).mm(T(b))) }

RF_EXPORT int32_t rf_linear(rf_tensor* x, rf_tensor* w, rf_tensor* b, rf_tensor** out) {
  RF_TRY
  const at::Tensor& input = T(x);
  const at::Tensor& weight = T(w);
  // One input row (batch-1 decoding, the last prompt position's LM head) is a matrix-vector product. On CPU,
  // at::linear sends it to BLAS sgemm with m = 1, which OpenBLAS runs 2.5-5x slower than sgemv (measured here with
  // 2 threads: [32000 x 768] 10.9 ms as gemm, 3.0 ms as gemv; [2048 x 768] 0.32 vs 0.06 ms). Autograd covers mv.
  if (input.device().is_cpu() && input.dim() >= 1 && input.numel() == input.size(-1) && weight.dim() == 2 &&
      (input.scalar_type() == at::kFloat || input.scalar_type() == at::kDouble)) {
    auto sizes = input.sizes().vec();
    sizes.back() = weight.size(0);
    auto row = input.reshape({input.size(-1)});
    // addmv, as at::linear's addmm: the bias goes into the one BLAS call instead of a second pass and tensor.
    auto y = b != nullptr ? at::addmv(T(b), weight, row) : at::mv(weight, row);
    *out = wrap(y.view(sizes));
  } else {
    c10::optional<at::Tensor> bias;
    if (b != nullptr) bias = T(b);
    *out = wrap(at::linear(input, weight, bias));
  }
  RF_CATCH
}

RF_EXPORT int32_t rf_embedding(rf_tensor* weight, rf_tensor* ids, rf_tensor** out) { RF_OUT(at::embedding(T(weight), T(ids))) }

// ---- sorting and sampling ----

RF_EXPORT int32_t rf_tensor_topk(rf_tensor* a, int64_t k, int64_t dim, int32_t largest, int32_t sorted, rf_tensor** values, rf_tensor** indices) {
  RF_TRY
  auto r = T(a).topk(k, dim, largest != 0, sorted != 0);
  *values = wrap(std::get<0>(r));
  *indices = wrap(std::get<1>(r));
  RF_CATCH
}

RF_EXPORT int32_t rf_tensor_sort(rf_tensor* a, int64_t dim, int32_t descending, rf_tensor** values, rf_tensor** indices) {
  RF_TRY
  auto r = T(a).sort(dim, descending != 0);
  *values = wrap(std::get<0>(r));
  *indices = wrap(std::get<1>(r));
  RF_CATCH
}

RF_EXPORT int32_t rf_tensor_multinomial(rf_tensor* probs, int64_t n, int32_t replacement, rf_generator* g, rf_tensor** out) {
  RF_OUT(at::multinomial(T(probs), n, replacement != 0, rf::gen(g)))
}
