using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Torch.Tests;

public class AdamWTests
{
    [Fact]
    public void FirstTwoSteps_MatchHandComputedUpdate()
    {
        double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01;
        using var p = tensor(new double[] { 1.0, -2.0 }).requires_grad_();
        using var opt = new optim.AdamW([p], lr, b1, b2, eps, wd);
        double[] theta = [1.0, -2.0], m = [0, 0], v = [0, 0];
        double[][] grads = [[0.5, -1.0], [0.25, 2.0]];
        for (int step = 1; step <= 2; step++)
        {
            using var g = tensor(grads[step - 1]);
            p.grad = g;
            opt.step();
            for (int i = 0; i < 2; i++)
            {
                theta[i] *= 1 - lr * wd;
                m[i] = b1 * m[i] + (1 - b1) * grads[step - 1][i];
                v[i] = b2 * v[i] + (1 - b2) * grads[step - 1][i] * grads[step - 1][i];
                var mhat = m[i] / (1 - Math.Pow(b1, step));
                var vhat = v[i] / (1 - Math.Pow(b2, step));
                theta[i] -= lr * mhat / (Math.Sqrt(vhat) + eps);
            }
            var actual = p.detach().ToArray<double>();
            Assert.Equal(theta[0], actual[0], 12);
            Assert.Equal(theta[1], actual[1], 12);
        }
        var (expAvg, expAvgSq, steps) = opt.GetState(0);
        using (expAvg) using (expAvgSq)
        {
            Assert.Equal(2, steps);
            Assert.Equal(m[0], expAvg.ToArray<double>()[0], 12);
            Assert.Equal(v[1], expAvgSq.ToArray<double>()[1], 12);
        }
    }

    [Fact]
    public void ParameterWithoutGradient_IsSkipped()
    {
        using var a = tensor(new float[] { 1 }).requires_grad_();
        using var b = tensor(new float[] { 1 }).requires_grad_();
        using var opt = new optim.AdamW([a, b], lr: 0.1);
        using var g = tensor(new float[] { 1 });
        a.grad = g;
        opt.step();
        Assert.NotEqual(1f, a.detach().ToArray<float>()[0]);
        Assert.Equal(1f, b.detach().ToArray<float>()[0]);
        Assert.Equal(0, opt.GetState(1).Step);
    }

    [Fact]
    public void ClipGradNorm_ScalesToMaxNorm_AndReportsTotal()
    {
        using var a = tensor(new float[] { 0, 0 }).requires_grad_();
        using var b = tensor(new float[] { 0 }).requires_grad_();
        using var ga = tensor(new float[] { 3, 0 });
        using var gb = tensor(new float[] { 4 });
        a.grad = ga;
        b.grad = gb;
        var total = nn.utils.clip_grad_norm_([a, b], 1.0);
        Assert.Equal(5.0, total, 5);
        using var na = a.grad!;
        Assert.Equal(0.6f, na.ToArray<float>()[0], 4);
    }
}
