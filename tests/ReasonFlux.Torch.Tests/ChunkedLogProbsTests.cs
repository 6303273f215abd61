using static ReasonFlux.Torch.torch;
using F = ReasonFlux.Torch.torch.nn.functional;

namespace ReasonFlux.Torch.Tests;

/// <summary>lm_head_logprobs: the chunked autograd Function against full logits with ordinary autograd ops.</summary>
public class ChunkedLogProbsTests
{
    private static (Tensor Hidden, Tensor Weight, Tensor Ids) Inputs(ScalarType dtype, long b = 2, long t = 7, long h = 8, long v = 13)
    {
        using var g = new Generator(5);
        var hidden = randn([b, t, h], dtype, generator: g).requires_grad_();
        var weight = randn([v, h], dtype, generator: g).requires_grad_();
        var ids = randint(0, v, [b, t], generator: g);
        return (hidden, weight, ids);
    }

    // Value and gradient of sum(wl * logp + we * entropy) with the given chunk.
    private static (double[] LogP, double[] Entropy, double[] GradH, double[] GradW) Run(ScalarType dtype, long chunk, double temperature, long keepElements = 0)
    {
        using var scope = NewDisposeScope();
        var (hidden, weight, ids) = Inputs(dtype);
        var (logp, entropy) = F.lm_head_logprobs_entropy(hidden, weight, ids, temperature, chunk, keepElements);
        using var g = new Generator(6);
        var wl = randn(logp.shape, logp.dtype, generator: g);
        var we = randn(entropy.shape, entropy.dtype, generator: g);
        ((logp * wl).sum() + (entropy * we).sum()).backward();
        return (logp.to(ScalarType.Float64).ToArray<double>(), entropy.to(ScalarType.Float64).ToArray<double>(),
            hidden.grad!.to(ScalarType.Float64).ToArray<double>(), weight.grad!.to(ScalarType.Float64).ToArray<double>());
    }

    private static void AssertClose(double[] expected, double[] actual, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * Math.Max(1, Math.Abs(expected[i])), $"{what}[{i}]: {expected[i]} vs {actual[i]}");
    }

    [Theory]
    [InlineData(1, 1.0)]
    [InlineData(3, 0.7)]
    [InlineData(5, 1.0)]
    [InlineData(64, 1.3)]
    public void Chunked_MatchesUnchunked_ValuesAndGradients(long chunk, double temperature)
    {
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        {
            var full = Run(dtype, 0, temperature);
            double tol = dtype == ScalarType.Float32 ? 1e-5 : 1e-12;
            // keep 0: every chunk's logits recomputed in backward; keep ≥ N × V: computed once and kept.
            foreach (var keep in new long[] { 0, 2 * 7 * 13 })
            {
                var chunked = Run(dtype, chunk, temperature, keep);
                AssertClose(full.LogP, chunked.LogP, tol, $"{dtype} keep {keep} logp");
                AssertClose(full.Entropy, chunked.Entropy, tol, $"{dtype} keep {keep} entropy");
                AssertClose(full.GradH, chunked.GradH, tol, $"{dtype} keep {keep} d/dhidden");
                AssertClose(full.GradW, chunked.GradW, tol, $"{dtype} keep {keep} d/dweight");
            }
        }
    }

    // Without entropy the kept path differentiates log_softmax alone; a second backward over the same graph
    // (retain_graph) must give the same gradients, so backward never writes into what forward kept.
    [Theory]
    [InlineData(ScalarType.Float32, 1e-5)]
    [InlineData(ScalarType.Float64, 1e-12)]
    public void LogProbsOnly_KeptAndRecomputed_MatchFullLogits_AndBackwardTwice(ScalarType dtype, double tol)
    {
        double[][] Grads(long chunk, long keep, bool twice)
        {
            using var scope = NewDisposeScope();
            var (hidden, weight, ids) = Inputs(dtype);
            var logp = F.lm_head_logprobs(hidden, weight, ids, 0.8, chunk, keep);
            using var g = new Generator(7);
            var loss = (logp * randn(logp.shape, logp.dtype, generator: g)).sum();
            if (twice) loss.backward(retainGraph: true);
            if (twice) { hidden.grad = null; weight.grad = null; }
            loss.backward();
            return [logp.to(ScalarType.Float64).ToArray<double>(), hidden.grad!.to(ScalarType.Float64).ToArray<double>(), weight.grad!.to(ScalarType.Float64).ToArray<double>()];
        }
        var full = Grads(0, 0, false);
        foreach (var (chunk, keep, twice) in new[] { (3L, 0L, false), (3L, 2L * 7 * 13, false), (3L, 2L * 7 * 13, true), (64L, 0L, true) })
        {
            var got = Grads(chunk, keep, twice);
            string what = $"{dtype} chunk {chunk} keep {keep} twice {twice}";
            AssertClose(full[0], got[0], tol, what + " logp");
            AssertClose(full[1], got[1], tol, what + " d/dhidden");
            AssertClose(full[2], got[2], tol, what + " d/dweight");
        }
    }

    [Fact]
    public void LogProbs_AreLogSoftmaxOfTheLogits_AndEntropyIsItsDefinition()
    {
        using var scope = NewDisposeScope();
        var (hidden, weight, ids) = Inputs(ScalarType.Float64);
        var (logp, entropy) = F.lm_head_logprobs_entropy(hidden, weight, ids, 2.0, chunk: 4);
        var lsm = (F.linear(hidden, weight) / 2.0).log_softmax(-1);
        var expectedLogp = lsm.gather(-1, ids.unsqueeze(-1)).squeeze(-1);
        var expectedEntropy = (lsm.exp() * lsm).sum(-1).neg();
        Assert.True((expectedLogp - logp).abs().max().ToDouble() < 1e-12);
        Assert.True((expectedEntropy - entropy).abs().max().ToDouble() < 1e-12);
        Assert.Equal(ids.shape, logp.shape);
    }

    [Fact]
    public void Bf16Hidden_GivesFp32LogProbs_AndGradientsInTheInputDtype()
    {
        using var scope = NewDisposeScope();
        var (hidden, weight, ids) = Inputs(ScalarType.BFloat16);
        var logp = F.lm_head_logprobs(hidden, weight, ids, chunk: 3);
        Assert.Equal(ScalarType.Float32, logp.dtype);
        logp.sum().backward();
        Assert.Equal(ScalarType.BFloat16, hidden.grad!.dtype);
        Assert.Equal(ScalarType.BFloat16, weight.grad!.dtype);
    }

    [Fact]
    public void MismatchedShapes_FailNamingTheTensors()
    {
        using var scope = NewDisposeScope();
        var (hidden, weight, _) = Inputs(ScalarType.Float32);
        var e = Assert.Throws<TorchException>(() => F.lm_head_logprobs(hidden, weight, zeros([2, 6], ScalarType.Int64)));
        Assert.Contains("do not line up", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => F.lm_head_logprobs(hidden, weight, zeros([2, 7], ScalarType.Int64), temperature: 0));
    }
}
