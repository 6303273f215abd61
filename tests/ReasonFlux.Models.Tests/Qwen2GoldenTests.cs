using ReasonFlux.Models.Heads;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Models.Tests;

/// <summary>Our Qwen2 against logits the plain-PyTorch reference computed for the same checkpoints.</summary>
public class Qwen2GoldenTests
{
    internal static (Tensor Ids, Tensor Mask) Inputs(System.Text.Json.Nodes.JsonObject c)
    {
        var ids = Golden.Ints2D(c["input_ids"]!, out var b, out var t);
        var mask = Golden.Ints2D(c["attention_mask"]!, out _, out _);
        return (tensor(ids, [b, t]), tensor(mask, [b, t]));
    }

    internal static void AssertClose(double[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        int compared = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (double.IsNaN(expected[i])) continue;
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
            compared++;
        }
        Assert.True(compared > 0, $"{what}: nothing compared");
        Assert.True(worst <= tolerance, $"{what}: max abs diff {worst:G4} > {tolerance}");
    }

    [Theory]
    [InlineData("tiny-qwen2", "single")]
    [InlineData("tiny-qwen2", "left_padded")]
    [InlineData("tiny-qwen2-tied", "single")]
    [InlineData("tiny-qwen2-tied", "left_padded")]
    public void Logits_Fp32_WithinToleranceOfReference(string checkpoint, string caseName)
    {
        using var model = PretrainedModel.LoadCausalLM(Golden.Folder(checkpoint));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var c = Golden.Case(checkpoint, "cases", caseName);
        var (ids, mask) = Inputs(c);
        var logits = model.forward(ids, mask);
        AssertClose(Golden.Flatten(c["logits"]!), logits.ToFloatArray(), 1e-4, $"{checkpoint}/{caseName} logits");
        // log p(ids[t] | ids[<t]) through the fused gather - logsumexp.
        var lp = nn.functional.token_logprobs(logits.narrow(1, 0, ids.size(1) - 1), ids.narrow(1, 1, ids.size(1) - 1));
        var expected = Golden.Flatten(c["token_logprobs"]!);
        var b = ids.size(0);
        var t = ids.size(1);
        var shifted = new double[b * (t - 1)];
        for (int r = 0; r < b; r++)
            for (int i = 1; i < t; i++) shifted[r * (t - 1) + i - 1] = expected[r * t + i];
        AssertClose(shifted, lp.ToFloatArray(), 1e-4, $"{checkpoint}/{caseName} token log-probs");
    }

    [Theory]
    [InlineData("tiny-qwen2")]
    [InlineData("tiny-qwen2-tied")]
    public void Logits_Bf16_CloseToReferenceBf16(string checkpoint)
    {
        using var model = PretrainedModel.LoadCausalLM(Golden.Folder(checkpoint), ScalarType.BFloat16);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var c = Golden.Checkpoint(checkpoint)["bf16"]!.AsObject();
        var (ids, mask) = Inputs(c);
        var logits = model.forward(ids, mask);
        Assert.Equal(ScalarType.BFloat16, logits.dtype);
        // bf16 keeps 8 significant bits: two bf16 implementations that round intermediate results in a
        // different order differ by a few ulps of the largest logit. A real bug (wrong rotary, unmasked
        // padding, ignored norm weights) moves logits by 1.6 or more here (golden.json "sensitivity").
        var expected = Golden.Flatten(c["logits"]!);
        var largest = expected.Where(x => !double.IsNaN(x)).Max(Math.Abs);
        var ulp = Math.Pow(2, Math.Floor(Math.Log2(largest)) - 7);
        AssertClose(expected, logits.ToFloatArray(), 4 * ulp, $"{checkpoint} bf16 logits");
    }

    [Fact]
    public void TiedEmbeddings_AreOneTensor_NotACopy()
    {
        using var model = PretrainedModel.LoadCausalLM(Golden.Folder("tiny-qwen2-tied"));
        Assert.True(ReferenceEquals(model.LmHeadWeight, model.Model.EmbedTokens.weight));
        Assert.DoesNotContain("lm_head.weight", model.named_parameters().Select(p => p.Name));
        Assert.Contains("lm_head.weight", model.named_parameters_with_aliases().Select(p => p.Name));
    }

    [Fact]
    public void Untied_HasSeparateLmHead()
    {
        using var model = PretrainedModel.LoadCausalLM(Golden.Folder("tiny-qwen2"));
        Assert.False(model.LmHeadWeight.SharesStorageWith(model.Model.EmbedTokens.weight));
        Assert.Contains("lm_head.weight", model.named_parameters().Select(p => p.Name));
    }
}
