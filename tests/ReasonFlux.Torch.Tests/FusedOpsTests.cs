using static ReasonFlux.Torch.torch;
using F = ReasonFlux.Torch.torch.nn.functional;

namespace ReasonFlux.Torch.Tests;

/// <summary>Fused native helpers: values against compositions of basic ops, gradients against finite differences.</summary>
public class FusedOpsTests
{
    private static Tensor Rand(Generator g, params long[] shape) => randn(shape, ScalarType.Float64, generator: g);

    /// <summary>Checks d(sum(f(inputs) * w))/d(input) against central differences for every element of every input.</summary>
    private static void GradCheck(Func<Tensor[], Tensor> f, Tensor[] inputs, double tol = 1e-6)
    {
        using var scope = NewDisposeScope();
        foreach (var x in inputs) x.requires_grad = true;
        using var g = new Generator(99);
        var output = f(inputs);
        var w = randn(output.shape, ScalarType.Float64, generator: g);
        (output * w).sum().backward();
        for (int k = 0; k < inputs.Length; k++)
        {
            var analytic = inputs[k].grad!.ToArray<double>();
            var values = inputs[k].detach().ToArray<double>();
            var shape = inputs[k].shape;
            for (int i = 0; i < values.Length; i++)
            {
                double Eval(double delta)
                {
                    using var inner = NewDisposeScope();
                    using var _ = no_grad();
                    var copy = (double[])values.Clone();
                    copy[i] += delta;
                    var perturbed = inputs.Select((t, j) => j == k ? tensor(copy, shape) : t.detach()).ToArray();
                    return (f(perturbed) * w).sum().ToDouble();
                }
                const double h = 1e-6;
                var numeric = (Eval(h) - Eval(-h)) / (2 * h);
                Assert.True(Math.Abs(numeric - analytic[i]) <= tol * Math.Max(1, Math.Abs(numeric)),
                    $"input {k} element {i}: analytic {analytic[i]}, numeric {numeric}");
            }
        }
    }

    [Fact]
    public void RmsNorm_MatchesFormula_AndGradientsMatchFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(1);
        var x = Rand(g, 2, 3, 4);
        var w = Rand(g, 4);
        var expected = x * (x.pow(2).mean(-1, keepdim: true) + 1e-6).rsqrt() * w;
        var actual = F.rms_norm(x, w, 1e-6);
        Assert.True((expected - actual).abs().max().ToDouble() < 1e-12);
        GradCheck(t => F.rms_norm(t[0], t[1], 1e-6), [Rand(g, 2, 4), Rand(g, 4)]);
    }

    [Fact]
    public void Rotary_RotatesPairsByPositionAngle_AndGradientsMatch()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(2);
        var positions = tensor(new long[] { 0, 1, 2, 5 }, [1, 4]);
        var (cos, sin) = F.rotary_cos_sin(positions, 4, 10000.0, ScalarType.Float64);
        Assert.Equal([1L, 4L, 4L], cos.shape);
        // Position 5, frequency 0 (θ^0 = 1): the angle is 5 radians; frequency 1: 5/100.
        var c = cos.ToArray<double>();
        Assert.Equal(Math.Cos(5), c[3 * 4 + 0], 6);
        Assert.Equal(Math.Cos(5 / 100.0), c[3 * 4 + 1], 6);
        Assert.Equal(Math.Cos(5), c[3 * 4 + 2], 6);
        // Rotating a unit vector keeps its norm.
        var x = Rand(g, 1, 2, 4, 4);
        var y = F.apply_rotary(x, cos, sin);
        Assert.True((x.pow(2).sum(-1) - y.pow(2).sum(-1)).abs().max().ToDouble() < 1e-10);
        GradCheck(t => F.apply_rotary(t[0], cos, sin), [Rand(g, 1, 2, 4, 4)]);
    }

    /// <summary>Reference attention from basic ops: repeat kv heads, scores, additive mask, softmax.</summary>
    private static Tensor NaiveAttention(Tensor q, Tensor k, Tensor v, bool[,]? keyValid, long offset)
    {
        long b = q.size(0), hq = q.size(1), t = q.size(2), d = q.size(3), hkv = k.size(1), s = k.size(2);
        var groups = hq / hkv;
        var kr = k.unsqueeze(2).expand(b, hkv, groups, s, d).reshape(b, hq, s, d);
        var vr = v.unsqueeze(2).expand(b, hkv, groups, s, d).reshape(b, hq, s, d);
        var scores = q.matmul(kr.transpose(-2, -1)) / Math.Sqrt(d);
        var allowed = new bool[b * t * s];
        for (int bi = 0; bi < b; bi++)
            for (int i = 0; i < t; i++)
            {
                bool any = false;
                for (int j = 0; j < s; j++)
                {
                    var ok = j <= offset + i && (keyValid is null || keyValid[bi, j]);
                    allowed[(bi * t + i) * s + j] = ok;
                    any |= ok;
                }
                if (!any) for (int j = 0; j < s; j++) allowed[(bi * t + i) * s + j] = true;
            }
        var mask = tensor(allowed, [b, 1, t, s]);
        return scores.masked_fill(mask.logical_not(), double.NegativeInfinity).softmax(-1).matmul(vr);
    }

    [Theory]
    [InlineData(4, 4)]
    [InlineData(4, 2)]
    [InlineData(6, 1)]
    public void Attention_GroupedQuery_MatchesNaiveReference(int hq, int hkv)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(3);
        var q = Rand(g, 2, hq, 5, 8);
        var k = Rand(g, 2, hkv, 5, 8);
        var v = Rand(g, 2, hkv, 5, 8);
        var valid = new bool[,] { { true, true, true, true, true }, { false, false, true, true, true } };
        var expected = NaiveAttention(q, k, v, valid, 0);
        var actual = F.attention(q, k, v, tensor(new[] { true, true, true, true, true, false, false, true, true, true }, [2, 5]));
        Assert.True((expected - actual).abs().max().ToDouble() < 1e-10);
    }

    [Fact]
    public void Attention_WithKvCacheOffset_EqualsLastRowsOfFullAttention()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(4);
        var q = Rand(g, 1, 4, 6, 8);
        var k = Rand(g, 1, 2, 6, 8);
        var v = Rand(g, 1, 2, 6, 8);
        var full = F.attention(q, k, v);
        var lastTwo = F.attention(q.narrow(2, 4, 2), k, v, queryOffset: 4);
        Assert.True((full.narrow(2, 4, 2) - lastTwo).abs().max().ToDouble() < 1e-12);
    }

    [Fact]
    public void AttentionMask_DecodingOneTokenWithoutPadding_NeedsNoMask()
    {
        using var scope = NewDisposeScope();
        var like = zeros([1], ScalarType.Float32);
        var decode = F.attention_mask(1, 7, 6, null, like);
        Assert.Null(decode.Allowed);
        Assert.False(decode.IsPlainCausal);
        var nonCausal = F.attention_mask(3, 3, 0, null, like, causal: false);
        Assert.Null(nonCausal.Allowed);
        Assert.False(nonCausal.IsPlainCausal);
    }

    [Fact]
    public void AttentionMask_ChunkedPrefillWithPadding_AllowsPastRealKeys_AndPadQueriesAttendEverywhere()
    {
        using var scope = NewDisposeScope();
        var like = zeros([1], ScalarType.Float32);
        // Row 0: keys 0-1 are padding; 2 queries at key positions 3 and 4 of 5.
        var mask = F.attention_mask(2, 5, 3, tensor(new[] { false, false, true, true, true, true, true, true, true, true }, [2, 5]), like);
        Assert.NotNull(mask.Allowed);
        Assert.Equal([2L, 1, 2, 5], mask.Allowed!.shape);
        bool[] expected =
        [
            false, false, true, true, false, /**/ false, false, true, true, true,
            true, true, true, true, false, /**/ true, true, true, true, true,
        ];
        Assert.Equal(expected, mask.Allowed.to(ScalarType.Int64).ToInt64Array().Select(x => x != 0));
        // A query whose every key is padding attends everywhere (finite softmax; its output is discarded).
        var allPad = F.attention_mask(1, 2, 0, tensor(new[] { false, false }, [1, 2]), like);
        Assert.Equal([1L, 1L], allPad.Allowed!.to(ScalarType.Int64).ToInt64Array());
    }

    [Fact]
    public void Attention_UnderOneSharedMask_EqualsAttentionThatBuildsItsOwn()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(8);
        var q = Rand(g, 2, 4, 3, 8);
        var k = Rand(g, 2, 2, 6, 8);
        var v = Rand(g, 2, 2, 6, 8);
        var valid = tensor(new[] { false, true, true, true, true, true, true, true, true, true, true, true }, [2, 6]);
        var shared = F.attention_mask(3, 6, 3, valid, q);
        var once = F.attention(q, k, v, shared);
        var own = F.attention(q, k, v, valid, queryOffset: 3);
        Assert.True((once - own).abs().max().ToDouble() == 0);
        var causal = F.attention_mask(6, 6, 0, null, q);
        var full = F.attention(Rand(g, 2, 4, 6, 8), k, v, causal);
        Assert.Equal([2L, 4, 6, 8], full.shape);
    }

    [Fact]
    public void Attention_GradientsMatchFiniteDifferences()
    {
        using var g = new Generator(5);
        using var scope = NewDisposeScope();
        var valid = tensor(new[] { false, true, true, true }, [1, 4]);
        GradCheck(t => F.attention(t[0], t[1], t[2], valid), [Rand(g, 1, 4, 4, 3), Rand(g, 1, 2, 4, 3), Rand(g, 1, 2, 4, 3)]);
    }

    [Fact]
    public void TokenLogprobs_EqualLogSoftmaxGather_AndGradientsMatch()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(6);
        var logits = Rand(g, 2, 3, 7);
        var ids = tensor(new long[] { 0, 6, 3, 2, 2, 5 }, [2, 3]);
        var expected = logits.log_softmax(-1).gather(-1, ids.unsqueeze(-1)).squeeze(-1);
        var actual = F.token_logprobs(logits, ids);
        Assert.Equal(ScalarType.Float64, actual.dtype);
        Assert.True((expected.to(ScalarType.Float32) - actual).abs().max().ToDouble() < 1e-5);
    }

    [Fact]
    public void CrossEntropy_IgnoresIgnoreIndex_AndGradientsMatch()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(7);
        var logits = Rand(g, 4, 5);
        var target = tensor(new long[] { 1, -100, 4, 0 });
        var lp = logits.log_softmax(-1).ToArray<double>();
        var expected = -(lp[0 * 5 + 1] + lp[2 * 5 + 4] + lp[3 * 5 + 0]) / 3;
        Assert.Equal(expected, F.cross_entropy(logits, target).ToDouble(), 10);
        GradCheck(t => F.cross_entropy(t[0], target), [Rand(g, 4, 5)]);
        GradCheck(t => F.swiglu(t[0], t[1]), [Rand(g, 3, 2), Rand(g, 3, 2)]);
    }
}
