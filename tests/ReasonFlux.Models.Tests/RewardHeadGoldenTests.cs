using ReasonFlux.Models.Heads;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Models.Tests;

public class RewardHeadGoldenTests
{
    [Theory]
    [InlineData("single")]
    [InlineData("left_padded")]
    [InlineData("right_padded")]
    public void ProcessRewardModel_ClassOneProbabilities_MatchReference(string caseName)
    {
        using var loaded = PretrainedModel.Load(Golden.Folder("tiny-qwen2-prm"));
        var prm = Assert.IsType<Qwen2ForProcessRewardModel>(loaded.Module);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var c = Golden.Case("tiny-qwen2-prm", "cases", caseName);
        var (ids, mask) = Qwen2GoldenTests.Inputs(c);
        Qwen2GoldenTests.AssertClose(Golden.Flatten(c["score_logits"]!), prm.forward(ids, mask).ToFloatArray(), 1e-4, "score logits");
        Qwen2GoldenTests.AssertClose(Golden.Flatten(c["class1_probs"]!), prm.PositiveProbabilities(ids, mask).ToFloatArray(), 1e-5, "P(class 1)");
    }

    [Theory]
    [InlineData("single")]
    [InlineData("left_padded")]
    [InlineData("right_padded")]
    public void ScalarRewardModel_RewardAtLastRealToken_MatchesReference(string caseName)
    {
        using var loaded = PretrainedModel.Load(Golden.Folder("tiny-qwen2-prm-scalar"));
        var rm = Assert.IsType<Qwen2ScalarRewardModel>(loaded.Module);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var c = Golden.Case("tiny-qwen2-prm-scalar", "cases", caseName);
        var (ids, mask) = Qwen2GoldenTests.Inputs(c);
        Qwen2GoldenTests.AssertClose(Golden.Flatten(c["reward"]!), rm.forward(ids, mask).ToFloatArray(), 1e-5, "reward");
    }
}
