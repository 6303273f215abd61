using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Torch.Tests;

public class OpsTests
{
    private static void Close(float[] expected, float[] actual, double tol = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"element {i}: expected {expected[i]}, got {actual[i]}");
    }

    [Fact]
    public void Arithmetic_WithOperators_MatchesHandComputed()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        var b = tensor(new float[] { 10, 20, 30, 40 }, [2, 2]);
        Close([11, 22, 33, 44], (a + b).ToArray<float>());
        Close([-9, -18, -27, -36], (a - b).ToArray<float>());
        Close([10, 40, 90, 160], (a * b).ToArray<float>());
        Close([0.1f, 0.1f, 0.1f, 0.1f], (a / b).ToArray<float>());
        Close([3, 4, 5, 6], (a + 2).ToArray<float>());
        Close([1, 0, -1, -2], (2 - a).ToArray<float>());
        Close([-1, -2, -3, -4], (-a).ToArray<float>());
        Close([1, 4, 9, 16], a.pow(2).ToArray<float>());
        Close([2, 2, 3, 3], a.clamp(2, 3).ToArray<float>());
    }

    [Fact]
    public void UnaryMath_MatchesSystemMath()
    {
        using var scope = NewDisposeScope();
        float[] x = [-2f, -0.5f, 0.25f, 1.5f];
        var t = tensor(x);
        Close(x.Select(v => MathF.Exp(v)).ToArray(), t.exp().ToArray<float>());
        Close(x.Select(v => 1 / (1 + MathF.Exp(-v))).ToArray(), t.sigmoid().ToArray<float>());
        Close(x.Select(v => v / (1 + MathF.Exp(-v))).ToArray(), t.silu().ToArray<float>());
        Close(x.Select(v => MathF.Max(v, 0)).ToArray(), t.relu().ToArray<float>());
        Close(x.Select(MathF.Tanh).ToArray(), t.tanh().ToArray<float>());
        Close(x.Select(v => MathF.Sqrt(MathF.Abs(v))).ToArray(), t.abs().sqrt().ToArray<float>());
        Close(x.Select(v => 1 / MathF.Sqrt(MathF.Abs(v))).ToArray(), t.abs().rsqrt().ToArray<float>());
        Close(x.Select(v => MathF.Log(MathF.Abs(v))).ToArray(), t.abs().log().ToArray<float>());
    }

    [Fact]
    public void Reductions_AlongDims_MatchHandComputed()
    {
        using var scope = NewDisposeScope();
        var t = tensor(new float[] { 1, 5, 3, 4, 2, 6 }, [2, 3]);
        Assert.Equal(21f, t.sum().ToSingle());
        Assert.Equal(3.5f, t.mean().ToSingle());
        Close([5, 7, 9], t.sum(0).ToArray<float>());
        Close([3, 4], t.mean(1).ToArray<float>());
        Assert.Equal([1L, 2L], t.argmax(1).ToArray<long>());
        var (values, idx) = t.max(1);
        Close([5, 6], values.ToArray<float>());
        Assert.Equal([1L, 2L], idx.ToArray<long>());
        var lse = t.logsumexp(1).ToArray<float>();
        Close([(float)Math.Log(Math.Exp(1) + Math.Exp(5) + Math.Exp(3)), (float)Math.Log(Math.Exp(4) + Math.Exp(2) + Math.Exp(6))], lse);
        Assert.Equal([1L, 3L], t.sum(0, keepdim: true).shape);
    }

    [Fact]
    public void Softmax_RowsSumToOne_AndLogSoftmaxIsItsLog()
    {
        using var scope = NewDisposeScope();
        var t = tensor(new float[] { 1, 2, 3, 1, 1, 1 }, [2, 3]);
        var p = t.softmax(-1);
        Close([1, 1], p.sum(1).ToArray<float>());
        Close(p.log().ToArray<float>(), t.log_softmax(-1).ToArray<float>());
        var e = new[] { Math.Exp(1), Math.Exp(2), Math.Exp(3) };
        Close(e.Select(v => (float)(v / e.Sum())).Concat([1 / 3f, 1 / 3f, 1 / 3f]).ToArray(), p.ToArray<float>());
    }

    [Fact]
    public void MatmulBmmLinear_MatchHandComputed()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var b = tensor(new float[] { 1, 0, 0, 1, 1, 1 }, [3, 2]);
        Close([4, 5, 10, 11], a.matmul(b).ToArray<float>());
        Close([4, 5, 10, 11, 4, 5, 10, 11], stack([a, a]).bmm(stack([b, b])).ToArray<float>());
        var w = tensor(new float[] { 1, 0, 0, 1, 1, 1 }, [2, 3]);   // out=2, in=3
        var bias = tensor(new float[] { 10, 20 });
        Close([11, 26, 14, 35], nn.functional.linear(a, w, bias).ToArray<float>());
        Close([1, 6, 4, 15], nn.functional.linear(a, w).ToArray<float>());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Linear_OnOneRow_MatchesTheSameRowInABatch_ValuesShapesAndGradients(bool withBias)
    {
        // One row takes the matrix-vector path in the shim; two rows take at::linear.
        using var scope = NewDisposeScope();
        manual_seed(7);
        var w = randn([5, 4]).requires_grad_();
        var bias = withBias ? randn([5]).requires_grad_() : null;
        var rows = randn([2, 4]);
        foreach (long[] shape in new[] { new long[] { 4 }, [1, 4], [1, 1, 4] })
        {
            var one = rows.narrow(0, 0, 1).reshape(shape).detach().requires_grad_();
            var y = nn.functional.linear(one, w, bias);
            Assert.Equal([.. shape[..^1], 5L], y.shape);
            var both = nn.functional.linear(rows, w, bias);
            Close(both.narrow(0, 0, 1).reshape(-1).ToArray<float>(), y.reshape(-1).ToArray<float>());

            y.sum().backward();
            var gw = w.grad!.clone(); var gx = one.grad!.reshape(-1).clone(); var gb = bias?.grad!.clone();
            w.grad = null; if (bias is not null) bias.grad = null;
            nn.functional.linear(rows, w, bias).narrow(0, 0, 1).sum().backward();
            Close(w.grad!.reshape(-1).ToArray<float>(), gw.reshape(-1).ToArray<float>());
            Close(w.sum(0).ToArray<float>(), gx.ToArray<float>());
            if (bias is not null) Close(bias.grad!.ToArray<float>(), gb!.ToArray<float>());
            w.grad = null; if (bias is not null) bias.grad = null;
        }
    }

    [Fact]
    public void Indexing_GatherScatterWhereMaskedFill_MatchHandComputed()
    {
        using var scope = NewDisposeScope();
        var t = tensor(new float[] { 10, 11, 12, 20, 21, 22 }, [2, 3]);
        var idx = tensor(new long[] { 2, 0 }, [2, 1]);
        Close([12, 20], t.gather(1, idx).ToArray<float>());
        Close([20, 21, 22], t.index_select(0, tensor(new long[] { 1 })).ToArray<float>());
        var z = zeros([2, 3]);
        Close([0, 0, 1, 1, 0, 0], z.scatter(1, idx, ones([2, 1])).ToArray<float>());
        var mask = t.gt(15);
        Close([10, 11, 12, -1, -1, -1], t.masked_fill(mask, -1).ToArray<float>());
        Close([0, 0, 0, 20, 21, 22], where(mask, t, zeros([2, 3])).ToArray<float>());
        var emb = nn.functional.embedding(tensor(new long[] { 1, 0, 1 }), t);
        Assert.Equal([3L, 3L], emb.shape);
        Close([20, 21, 22, 10, 11, 12, 20, 21, 22], emb.ToArray<float>());
    }

    [Fact]
    public void ShapeOps_ViewsAndConcatenation_BehaveLikePyTorch()
    {
        using var scope = NewDisposeScope();
        var t = arange(0, 6, 1, ScalarType.Float32).view(2, 3);
        Assert.Equal([3L, 2L], t.transpose(0, 1).shape);
        Close([0, 3, 1, 4, 2, 5], t.t().contiguous().ToArray<float>());
        Assert.Equal([1L, 2L, 3L], t.unsqueeze(0).shape);
        Assert.Equal([2L, 3L], t.unsqueeze(0).squeeze(0).shape);
        Assert.Equal([3L, 2L], t.permute(1, 0).shape);
        Close([1, 2, 4, 5], t.narrow(1, 1, 2).contiguous().ToArray<float>());
        Assert.Equal([4L, 3L], cat([t, t], 0).shape);
        Assert.Equal([2L, 2L, 3L], stack([t, t], 0).shape);
        var parts = t.split([1, 2], 1);
        Assert.Equal(2, parts.Length);
        Assert.Equal([2L, 2L], parts[1].shape);
        Assert.Equal([4L, 2L, 3L], t.unsqueeze(0).expand(4, 2, 3).shape);
        Assert.Equal([6L], t.reshape(6).shape);
        Close([0, 1, 3, 6, 10, 15], t.reshape(6).cumsum(0).ToArray<float>());
    }

    [Fact]
    public void TopkSortMultinomial_BehaveLikePyTorch()
    {
        using var scope = NewDisposeScope();
        var t = tensor(new float[] { 3, 1, 4, 1, 5, 9, 2, 6 });
        var (v, i) = t.topk(3);
        Close([9, 6, 5], v.ToArray<float>());
        Assert.Equal([5L, 7L, 4L], i.ToArray<long>());
        var (s, _) = t.sort(descending: false);
        Close([1, 1, 2, 3, 4, 5, 6, 9], s.ToArray<float>());
        using var g = new Generator(7);
        var probs = tensor(new float[] { 0, 0, 1, 0 });
        Assert.Equal([2L], probs.multinomial(1, generator: g).ToArray<long>());
    }

    [Fact]
    public void DtypeConversion_Bf16RoundTrip_KeepsRepresentableValues()
    {
        using var scope = NewDisposeScope();
        var t = tensor(new float[] { 1, -2, 0.5f, 1024 });
        var b = t.to(ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, b.dtype);
        Close([1, -2, 0.5f, 1024], b.ToFloatArray());
        Assert.Equal(ScalarType.Int64, t.to(ScalarType.Int64).dtype);
        Assert.Equal(new long[] { 1, -2, 0, 1024 }, t.ToInt64Array());
    }

    [Fact]
    public void Generators_SameSeed_SameNumbers_AndStateRestores()
    {
        using var scope = NewDisposeScope();
        using var g1 = new Generator(123);
        using var g2 = new Generator(123);
        var a = randn([5], generator: g1).ToArray<float>();
        Assert.Equal(a, randn([5], generator: g2).ToArray<float>());
        var state = g1.get_state();
        var next = rand([4], generator: g1).ToArray<float>();
        g1.set_state(state);
        Assert.Equal(next, rand([4], generator: g1).ToArray<float>());
        manual_seed(5);
        var x = randn([3]).ToArray<float>();
        manual_seed(5);
        Assert.Equal(x, randn([3]).ToArray<float>());
    }

    [Fact]
    public void ShapeMismatch_ThrowsTorchExceptionWithLibtorchMessage_AndProcessSurvives()
    {
        using var scope = NewDisposeScope();
        var a = zeros([2, 3]);
        var b = zeros([4, 5]);
        var e = Assert.Throws<TorchException>(() => a.matmul(b));
        Assert.Contains("cannot be multiplied", e.Message);
        Assert.DoesNotContain("frame #", e.Message); // no C++ backtrace
        Assert.Throws<TorchException>(() => a.view(7));
        // Still usable afterwards.
        Assert.Equal(0f, (a + 0).sum().ToSingle());
    }

    [Fact]
    public void DisposedTensor_UsedAgain_ThrowsObjectDisposed()
    {
        var t = zeros([2]);
        t.Dispose();
        Assert.Throws<ObjectDisposedException>(() => t.sum());
    }

    [Fact]
    public void ToArray_WrongElementType_ThrowsClearError()
    {
        using var t = zeros([2]);
        var e = Assert.Throws<InvalidOperationException>(() => t.ToArray<long>());
        Assert.Contains("Float32", e.Message);
    }

    [Fact]
    public void NoGrad_DisablesRecording_AndRestores()
    {
        Assert.True(is_grad_enabled());
        using (no_grad())
        {
            Assert.False(is_grad_enabled());
            using var x = ones([2]).requires_grad_();
            using var y = x * 2;
            Assert.False(y.requires_grad);
        }
        Assert.True(is_grad_enabled());
    }
}
