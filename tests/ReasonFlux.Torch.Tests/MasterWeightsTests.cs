using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Torch.Tests;

/// <summary>AdamW with fp32 master weights for bf16 parameters: small updates accumulate instead of rounding away.</summary>
public class MasterWeightsTests
{
    // Fraction of elements that changed after three steps at lr 1e-6 with random gradients.
    private static double ChangedFraction(ScalarType? master, out double paramChanged)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(11);
        var p = randn([64, 64], ScalarType.Float32, generator: g).to(ScalarType.BFloat16).requires_grad_();
        var before = p.detach().to(ScalarType.Float32).clone();
        using var opt = new optim.AdamW([p], lr: 1e-6, weightDecay: 0.0, masterDtype: master);
        for (int step = 0; step < 3; step++)
        {
            p.grad = randn([64, 64], ScalarType.Float32, generator: g).to(ScalarType.BFloat16);
            opt.step();
        }
        paramChanged = p.detach().to(ScalarType.Float32).ne(before).to(ScalarType.Float32).mean().ToDouble();
        using var m = opt.MasterWeight(0);
        return m.to(ScalarType.Float32).ne(before).to(ScalarType.Float32).mean().ToDouble();
    }

    [Fact]
    public void Bf16AtLr1e6_Fp32MasterChangesMostElements_InPlaceBf16ChangesAlmostNone()
    {
        var withMaster = ChangedFraction(ScalarType.Float32, out _);
        var inPlace = ChangedFraction(null, out var paramChanged);
        Assert.True(withMaster > 0.5, $"fp32 master: only {withMaster:P1} of the elements changed");
        Assert.True(inPlace < 0.05, $"bf16 in place: {inPlace:P1} changed (expected almost none: the updates round away)");
        Assert.Equal(inPlace, paramChanged);
    }

    [Fact]
    public void MasterIsFp32_MomentsAreFp32_AndTheParameterIsTheMasterRounded()
    {
        using var scope = NewDisposeScope();
        var p = tensor(new float[] { 1f, -2f, 3f }).to(ScalarType.BFloat16).requires_grad_();
        using var opt = new optim.AdamW([p], lr: 0.01, masterDtype: ScalarType.Float32);
        p.grad = ones([3], ScalarType.BFloat16);
        opt.step();
        using var master = opt.MasterWeight(0);
        var (m, v, step) = opt.GetState(0);
        Assert.Equal(ScalarType.Float32, master.dtype);
        Assert.Equal(ScalarType.Float32, m.dtype);
        Assert.Equal(ScalarType.Float32, v.dtype);
        Assert.Equal(1, step);
        Assert.Equal(master.to(ScalarType.BFloat16).to(ScalarType.Float32).ToArray<float>(), p.detach().to(ScalarType.Float32).ToArray<float>());
        Assert.NotEqual(master.ToArray<float>(), p.detach().to(ScalarType.Float32).ToArray<float>());

        opt.SetMasterWeight(0, tensor(new float[] { 0.1f, 0.2f, 0.3f }));
        using var restored = opt.MasterWeight(0);
        Assert.Equal(new float[] { 0.1f, 0.2f, 0.3f }, restored.ToArray<float>());
        Assert.Equal(0.1f, p.detach().to(ScalarType.Float32).ToArray<float>()[0], 2);
    }

    [Fact]
    public void SameDtypeParameters_HaveNoCopy_TheMasterIsTheParameter()
    {
        using var scope = NewDisposeScope();
        var p = ones([2]).requires_grad_();
        using var opt = new optim.AdamW([p], masterDtype: ScalarType.Float32);
        using var master = opt.MasterWeight(0);
        Assert.True(master.SharesStorageWith(p));
    }
}
