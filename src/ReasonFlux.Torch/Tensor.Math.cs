using ReasonFlux.Torch.Interop;
using static ReasonFlux.Torch.Interop.NativeMethods;

namespace ReasonFlux.Torch;

public sealed unsafe partial class Tensor
{
    public Tensor add(Tensor other) { nint r; return Result(rf_tensor_add(H, other.H, &r), r); }
    public Tensor add(Tensor other, double alpha) { nint r; return Result(rf_tensor_add_alpha(H, other.H, alpha, &r), r); }
    public Tensor add(double s) { nint r; return Result(rf_tensor_add_scalar(H, s, &r), r); }
    public Tensor sub(Tensor other) { nint r; return Result(rf_tensor_sub(H, other.H, &r), r); }
    public Tensor sub(double s) { nint r; return Result(rf_tensor_sub_scalar(H, s, &r), r); }
    public Tensor mul(Tensor other) { nint r; return Result(rf_tensor_mul(H, other.H, &r), r); }
    public Tensor mul(double s) { nint r; return Result(rf_tensor_mul_scalar(H, s, &r), r); }
    public Tensor div(Tensor other) { nint r; return Result(rf_tensor_div(H, other.H, &r), r); }
    public Tensor div(double s) { nint r; return Result(rf_tensor_div_scalar(H, s, &r), r); }
    public Tensor pow(Tensor other) { nint r; return Result(rf_tensor_pow(H, other.H, &r), r); }
    public Tensor pow(double s) { nint r; return Result(rf_tensor_pow_scalar(H, s, &r), r); }
    public Tensor remainder(double s) { nint r; return Result(rf_tensor_remainder_scalar(H, s, &r), r); }
    public Tensor maximum(Tensor other) { nint r; return Result(rf_tensor_maximum(H, other.H, &r), r); }
    public Tensor minimum(Tensor other) { nint r; return Result(rf_tensor_minimum(H, other.H, &r), r); }

    public static Tensor operator +(Tensor a, Tensor b) => a.add(b);
    public static Tensor operator +(Tensor a, double b) => a.add(b);
    public static Tensor operator +(double a, Tensor b) => b.add(a);
    public static Tensor operator -(Tensor a, Tensor b) => a.sub(b);
    public static Tensor operator -(Tensor a, double b) => a.sub(b);
    public static Tensor operator -(double a, Tensor b) { nint r; return Result(rf_tensor_rsub_scalar(b.H, a, &r), r); }
    public static Tensor operator *(Tensor a, Tensor b) => a.mul(b);
    public static Tensor operator *(Tensor a, double b) => a.mul(b);
    public static Tensor operator *(double a, Tensor b) => b.mul(a);
    public static Tensor operator /(Tensor a, Tensor b) => a.div(b);
    public static Tensor operator /(Tensor a, double b) => a.div(b);
    public static Tensor operator -(Tensor a) => a.neg();

    // Comparisons return bool tensors (no operator overloads: == stays reference equality).
    public Tensor eq(Tensor o) { nint r; return Result(rf_tensor_eq(H, o.H, &r), r); }
    public Tensor eq(double s) { nint r; return Result(rf_tensor_eq_scalar(H, s, &r), r); }
    public Tensor ne(Tensor o) { nint r; return Result(rf_tensor_ne(H, o.H, &r), r); }
    public Tensor ne(double s) { nint r; return Result(rf_tensor_ne_scalar(H, s, &r), r); }
    public Tensor lt(Tensor o) { nint r; return Result(rf_tensor_lt(H, o.H, &r), r); }
    public Tensor lt(double s) { nint r; return Result(rf_tensor_lt_scalar(H, s, &r), r); }
    public Tensor le(Tensor o) { nint r; return Result(rf_tensor_le(H, o.H, &r), r); }
    public Tensor le(double s) { nint r; return Result(rf_tensor_le_scalar(H, s, &r), r); }
    public Tensor gt(Tensor o) { nint r; return Result(rf_tensor_gt(H, o.H, &r), r); }
    public Tensor gt(double s) { nint r; return Result(rf_tensor_gt_scalar(H, s, &r), r); }
    public Tensor ge(Tensor o) { nint r; return Result(rf_tensor_ge(H, o.H, &r), r); }
    public Tensor ge(double s) { nint r; return Result(rf_tensor_ge_scalar(H, s, &r), r); }
    public Tensor logical_and(Tensor o) { nint r; return Result(rf_tensor_logical_and(H, o.H, &r), r); }
    public Tensor logical_or(Tensor o) { nint r; return Result(rf_tensor_logical_or(H, o.H, &r), r); }
    public Tensor logical_not() { nint r; return Result(rf_tensor_logical_not(H, &r), r); }

    public Tensor neg() { nint r; return Result(rf_tensor_neg(H, &r), r); }
    public Tensor abs() { nint r; return Result(rf_tensor_abs(H, &r), r); }
    public Tensor exp() { nint r; return Result(rf_tensor_exp(H, &r), r); }
    public Tensor log() { nint r; return Result(rf_tensor_log(H, &r), r); }
    public Tensor sqrt() { nint r; return Result(rf_tensor_sqrt(H, &r), r); }
    public Tensor rsqrt() { nint r; return Result(rf_tensor_rsqrt(H, &r), r); }
    public Tensor sigmoid() { nint r; return Result(rf_tensor_sigmoid(H, &r), r); }
    public Tensor silu() { nint r; return Result(rf_tensor_silu(H, &r), r); }
    public Tensor relu() { nint r; return Result(rf_tensor_relu(H, &r), r); }
    public Tensor tanh() { nint r; return Result(rf_tensor_tanh(H, &r), r); }
    public Tensor sin() { nint r; return Result(rf_tensor_sin(H, &r), r); }
    public Tensor cos() { nint r; return Result(rf_tensor_cos(H, &r), r); }
    public Tensor floor() { nint r; return Result(rf_tensor_floor(H, &r), r); }
    public Tensor sign() { nint r; return Result(rf_tensor_sign(H, &r), r); }
    public Tensor isnan() { nint r; return Result(rf_tensor_isnan(H, &r), r); }
    public Tensor isfinite() { nint r; return Result(rf_tensor_isfinite(H, &r), r); }

    public Tensor clamp(double? min = null, double? max = null)
    {
        nint r;
        return Result(rf_tensor_clamp(H, min.HasValue ? 1 : 0, min ?? 0, max.HasValue ? 1 : 0, max ?? 0, &r), r);
    }

    public Tensor clamp_min(double min) => clamp(min, null);
    public Tensor clamp_max(double max) => clamp(null, max);

    // ---- in place ----

    public Tensor add_(Tensor other, double alpha = 1) { NativeStatus.Check(rf_tensor_add_(H, other.H, alpha)); return this; }
    public Tensor add_(double s) { NativeStatus.Check(rf_tensor_add_scalar_(H, s)); return this; }
    public Tensor mul_(Tensor other) { NativeStatus.Check(rf_tensor_mul_(H, other.H)); return this; }
    public Tensor mul_(double s) { NativeStatus.Check(rf_tensor_mul_scalar_(H, s)); return this; }

    // ---- linear algebra ----

    public Tensor matmul(Tensor other) { nint r; return Result(rf_tensor_matmul(H, other.H, &r), r); }
    public Tensor mm(Tensor other) { nint r; return Result(rf_tensor_mm(H, other.H, &r), r); }
    public Tensor bmm(Tensor other) { nint r; return Result(rf_tensor_bmm(H, other.H, &r), r); }

    // ---- reductions ----

    public Tensor sum() { nint r; return Result(rf_tensor_sum_all(H, &r), r); }
    public Tensor mean() { nint r; return Result(rf_tensor_mean_all(H, &r), r); }
    public Tensor max() { nint r; return Result(rf_tensor_max_all(H, &r), r); }
    public Tensor min() { nint r; return Result(rf_tensor_min_all(H, &r), r); }
    public Tensor any() { nint r; return Result(rf_tensor_any_all(H, &r), r); }
    public Tensor all() { nint r; return Result(rf_tensor_all_all(H, &r), r); }

    public Tensor sum(long dim, bool keepdim = false) => sum([dim], keepdim);
    public Tensor sum(long[] dims, bool keepdim = false)
    {
        nint r;
        fixed (long* d = dims) return Result(rf_tensor_sum(H, d, dims.Length, keepdim ? 1 : 0, &r), r);
    }

    public Tensor mean(long dim, bool keepdim = false) => mean([dim], keepdim);
    public Tensor mean(long[] dims, bool keepdim = false)
    {
        nint r;
        fixed (long* d = dims) return Result(rf_tensor_mean(H, d, dims.Length, keepdim ? 1 : 0, &r), r);
    }

    public Tensor logsumexp(long dim, bool keepdim = false) => logsumexp([dim], keepdim);
    public Tensor logsumexp(long[] dims, bool keepdim = false)
    {
        nint r;
        fixed (long* d = dims) return Result(rf_tensor_logsumexp(H, d, dims.Length, keepdim ? 1 : 0, &r), r);
    }

    public Tensor argmax(long dim, bool keepdim = false) { nint r; return Result(rf_tensor_argmax(H, dim, keepdim ? 1 : 0, &r), r); }
    public Tensor argmin(long dim, bool keepdim = false) { nint r; return Result(rf_tensor_argmin(H, dim, keepdim ? 1 : 0, &r), r); }
    public Tensor any(long dim, bool keepdim = false) { nint r; return Result(rf_tensor_any(H, dim, keepdim ? 1 : 0, &r), r); }
    public Tensor norm(double p = 2) { nint r; return Result(rf_tensor_norm(H, p, &r), r); }

    public (Tensor values, Tensor indexes) max(long dim, bool keepdim = false)
    {
        nint v, i;
        NativeStatus.Check(rf_tensor_max_dim(H, dim, keepdim ? 1 : 0, &v, &i));
        return (new Tensor(v), new Tensor(i));
    }

    public (Tensor values, Tensor indexes) min(long dim, bool keepdim = false)
    {
        nint v, i;
        NativeStatus.Check(rf_tensor_min_dim(H, dim, keepdim ? 1 : 0, &v, &i));
        return (new Tensor(v), new Tensor(i));
    }

    public Tensor softmax(long dim) { nint r; return Result(rf_tensor_softmax(H, dim, &r), r); }
    public Tensor log_softmax(long dim) { nint r; return Result(rf_tensor_log_softmax(H, dim, &r), r); }
    public Tensor cumsum(long dim) { nint r; return Result(rf_tensor_cumsum(H, dim, &r), r); }

    // ---- sorting and sampling ----

    public (Tensor values, Tensor indexes) topk(long k, long dim = -1, bool largest = true, bool sorted = true)
    {
        nint v, i;
        NativeStatus.Check(rf_tensor_topk(H, k, dim, largest ? 1 : 0, sorted ? 1 : 0, &v, &i));
        return (new Tensor(v), new Tensor(i));
    }

    public (Tensor values, Tensor indexes) sort(long dim = -1, bool descending = false)
    {
        nint v, i;
        NativeStatus.Check(rf_tensor_sort(H, dim, descending ? 1 : 0, &v, &i));
        return (new Tensor(v), new Tensor(i));
    }

    /// <summary>Samples indices from rows of (unnormalised, non-negative) probabilities.</summary>
    public Tensor multinomial(long numSamples, bool replacement = false, Generator? generator = null)
    {
        nint r;
        return Result(rf_tensor_multinomial(H, numSamples, replacement ? 1 : 0, generator?.Handle ?? 0, &r), r);
    }
}
