using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Torch.Tests;

/// <summary>torch.utils.checkpoint: gradients equal to the plain forward, recompute in backward, errors surface.</summary>
public class CheckpointTests
{
    // A small two-layer block reading weights through parameters, like a decoder layer.
    private static Tensor Block(Tensor x, Tensor w1, Tensor w2, Tensor scale) =>
        (nn.functional.linear(x, w1).silu() * scale).matmul(w2) + x;

    private static (double[] X, double[] W1, double[] W2, double Loss) Gradients(bool checkpointed, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(3);
        var x0 = randn([3, 4, 6], dtype, generator: g).requires_grad_();
        var w1 = randn([10, 6], dtype, generator: g).requires_grad_();
        var w2 = randn([10, 6], dtype, generator: g).requires_grad_();
        var scale = randn([10], dtype, generator: g); // a non-differentiable input, like the rotary tables
        var h = x0 * 2;
        for (int layer = 0; layer < 3; layer++)
            h = checkpointed
                ? utils.checkpoint(a => Block(a[0], w1, w2, a[1]), [h, scale], [w1, w2])
                : Block(h, w1, w2, scale);
        var loss = h.pow(2).mean();
        loss.backward();
        return (x0.grad!.to(ScalarType.Float64).ToArray<double>(), w1.grad!.to(ScalarType.Float64).ToArray<double>(),
            w2.grad!.to(ScalarType.Float64).ToArray<double>(), loss.ToDouble());
    }

    [Fact]
    public void Checkpointed_GradientsEqualPlainForward()
    {
        var plain = Gradients(false, ScalarType.Float32);
        var ckpt = Gradients(true, ScalarType.Float32);
        Assert.Equal(plain.Loss, ckpt.Loss, 9);
        foreach (var (a, b) in new[] { (plain.X, ckpt.X), (plain.W1, ckpt.W1), (plain.W2, ckpt.W2) })
            for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-6 * Math.Max(1, Math.Abs(a[i])), $"{a[i]} vs {b[i]}");
    }

    [Fact]
    public void ForwardKeepsNoGraph_AndBackwardRecomputes()
    {
        using var scope = NewDisposeScope();
        var w = ones([4, 4]).requires_grad_();
        int calls = 0;
        var gradModes = new List<bool>();
        var x = ones([2, 4]).requires_grad_();
        var y = utils.checkpoint(a => { calls++; gradModes.Add(is_grad_enabled()); return nn.functional.linear(a[0], w).relu(); }, [x], [w]);
        Assert.True(y.requires_grad);
        Assert.Equal(1, calls);
        y.sum().backward();
        Assert.Equal(2, calls);
        Assert.Equal([false, true], gradModes);
        Assert.Equal(2.0 * 16, w.grad!.sum().ToDouble(), 9); // d/dw_jk of sum(x w^T) with x = 1 is 2 (two rows), 16 entries
    }

    [Fact]
    public void ParametersGetGradients_EvenWhenNoInputRequiresGrad()
    {
        using var scope = NewDisposeScope();
        var w = ones([3, 2]).requires_grad_();
        var y = utils.checkpoint(a => nn.functional.linear(a[0], w), [ones([1, 2])], [w]);
        y.sum().backward();
        Assert.Equal(6.0, w.grad!.sum().ToDouble(), 9);
    }

    [Fact]
    public void AnExceptionInTheRecompute_SurfacesFromBackward()
    {
        using var scope = NewDisposeScope();
        var x = ones([2]).requires_grad_();
        int calls = 0;
        var y = utils.checkpoint(a => ++calls == 2 ? throw new InvalidOperationException("boom in recompute") : a[0] * 3, [x], []);
        var e = Assert.Throws<TorchException>(() => y.sum().backward());
        Assert.Contains("boom in recompute", e.Message);
    }

    [Fact]
    public void UnderNoGrad_ItIsAPlainCall()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var w = ones([2, 2]).requires_grad_();
        var y = utils.checkpoint(a => nn.functional.linear(a[0], w), [ones([1, 2])], [w]);
        Assert.False(y.requires_grad);
        Assert.Equal(4.0, y.sum().ToDouble(), 9);
    }
}
