using ReasonFlux.Models;
using ReasonFlux.Models.Heads;
using ReasonFlux.Tokenizers;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Rewards.Tests;

/// <summary>
/// The scorer end to end on tiny-qwen2-prm: its scores must equal a direct, unbatched forward of the same
/// chat-formatted ids with P(class 1) selected at the separator positions.
/// </summary>
public class PrmScorerTests : IDisposable
{
    private readonly TinyPrmFolders _folders = new();

    private static readonly (string Problem, string Response)[] Items =
    [
        ("What is 1+1?", "First, add the units.\n\n1 + 1 = 2.\n\nSo the answer is \\boxed{2}."),
        ("Compute 12*3.", "<think>12*3 = 36.\n\nCheck: 36/3 = 12.</think>\n\nThe answer is \\boxed{36}."),
        ("Is 7 prime?", "Yes."),
        ("Sum 1..4", "<think>\n1+2 = 3\n\n\n\n3+3 = 6\n\n6+4 = 10\n</think>\\boxed{10}"),
    ];

    /// <summary>P(class 1) at every position of one unpadded sequence, straight from the model.</summary>
    private static float[] DirectProbabilities(Qwen2ForProcessRewardModel prm, int[] ids)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var t = tensor(ids.Select(x => (long)x).ToArray(), [1, ids.Length]);
        return prm.PositiveProbabilities(t).ToFloatArray();
    }

    private static (BpeTokenizer Tokenizer, ChatTemplate Template) TokenizerOf(string dir) =>
        (BpeTokenizer.FromDirectory(dir), ChatTemplate.FromTokenizerConfig(dir));

    [Fact]
    public void Render_PaperMode_IsTheReadmeChatFormat()
    {
        using var scorer = PrmScorer.Load(_folders.Copy("tiny-qwen2-prm"));
        var text = scorer.Encoder.Render(PrmSample.FromResponse("What is 1+1?", "<think>One plus one.\n\nIt is 2.</think>\n\n\\boxed{2}"));
        Assert.Equal(
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n" +
            "<|im_start|>user\nWhat is 1+1?<|im_end|>\n" +
            "<|im_start|>assistant\nOne plus one.<extra_0>It is 2.<extra_0>\\boxed{2}<extra_0><|im_end|>\n", text);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.0)]
    [InlineData(1.5)]
    public void Score_PaperMode_EqualsDirectForwardAtSeparators(double alpha)
    {
        var dir = _folders.Copy("tiny-qwen2-prm");
        using var scorer = PrmScorer.Load(dir, new PrmScoringOptions { Alpha = alpha, TokenBudget = 200 });
        using var loaded = PretrainedModel.Load(dir);
        var prm = (Qwen2ForProcessRewardModel)loaded.Module;
        var (tokenizer, template) = TokenizerOf(dir);

        var scores = scorer.Score(Items);
        for (int i = 0; i < Items.Length; i++)
        {
            var sample = PrmSample.FromResponse(Items[i].Problem, Items[i].Response);
            var assistant = string.Concat(sample.Segments.Select(s => s + "<extra_0>"));
            var ids = tokenizer.Encode(template.Render([ChatMessage.User(Items[i].Problem), ChatMessage.Assistant(assistant)]));
            var probs = DirectProbabilities(prm, ids);
            var atSeparators = ids.Select((id, t) => (id, t)).Where(x => x.id == TinyPrmFolders.SeparatorId).Select(x => (double)probs[x.t]).ToArray();
            Assert.Equal(sample.Segments.Count(), atSeparators.Length);

            var expectedSteps = atSeparators.Take(sample.Steps.Count).ToArray();
            double expectedFinal = atSeparators[^1];
            Assert.Equal(expectedSteps.Length, scores[i].StepScores.Count);
            for (int s = 0; s < expectedSteps.Length; s++) Assert.Equal(expectedSteps[s], scores[i].StepScores[s], 1e-5);
            Assert.Equal(expectedFinal, scores[i].FinalScore, 1e-5);
            Assert.Equal(expectedSteps.Average() + alpha * expectedFinal, scores[i].Score, 1e-5);
            Assert.False(scores[i].Truncated);
        }
    }

    [Fact]
    public void Score_StepsAndAnswerOfThinkingResponse_AreSplitAsDocumented()
    {
        using var scorer = PrmScorer.Load(_folders.Copy("tiny-qwen2-prm"));
        var response = Items[3].Response;
        var score = scorer.Score(Items[3].Problem, response);
        // Three trajectory steps (the blank run between them is dropped); the answer is the final segment.
        Assert.Equal(3, score.StepScores.Count);
        Assert.Equal(["1+2 = 3", "3+3 = 6", "6+4 = 10"], score.StepSpans!.Select(s => response.Substring(s.Start, s.Length)));
    }

    [Fact]
    public void Score_FinalReadoutLastToken_UsesLastTokenProbability()
    {
        var dir = _folders.Copy("tiny-qwen2-prm");
        using var scorer = PrmScorer.Load(dir, new PrmScoringOptions { FinalReadout = FinalScoreReadout.LastToken, Alpha = 0.5 });
        using var loaded = PretrainedModel.Load(dir);
        var input = scorer.Encoder.Encode(PrmSample.FromResponse(Items[0].Problem, Items[0].Response));
        var probs = DirectProbabilities((Qwen2ForProcessRewardModel)loaded.Module, input.InputIds);
        var score = scorer.Score(Items[0].Problem, Items[0].Response);
        Assert.Equal(probs[^1], score.FinalScore, 1e-5);
        Assert.Equal(score.StepScores.Average() + 0.5 * probs[^1], score.Score, 1e-5);
    }

    [Fact]
    public void Score_ReleasedCodeMode_IsLastTokenProbabilityOfWholeResponseAsOneStep()
    {
        var dir = _folders.Copy("tiny-qwen2-prm");
        using var scorer = PrmScorer.Load(dir, new PrmScoringOptions { Mode = PrmScoringMode.ReleasedCode, Alpha = 3 });
        using var loaded = PretrainedModel.Load(dir);
        var (tokenizer, template) = TokenizerOf(dir);
        var scores = scorer.Score(Items);
        for (int i = 0; i < Items.Length; i++)
        {
            var ids = tokenizer.Encode(template.Render([ChatMessage.User(Items[i].Problem), ChatMessage.Assistant(Items[i].Response + "<extra_0>")]));
            var probs = DirectProbabilities((Qwen2ForProcessRewardModel)loaded.Module, ids);
            Assert.Equal(TinyPrmFolders.SeparatorId, ids[^3]); // "<extra_0><|im_end|>\n": read two tokens after the separator
            Assert.Equal(probs[^1], scores[i].Score, 1e-5);
            Assert.Equal([scores[i].Score], scores[i].StepScores);
        }
    }

    [Fact]
    public void Score_ManySmallBatches_EqualsOneAtATime()
    {
        using var scorer = PrmScorer.Load(_folders.Copy("tiny-qwen2-prm"), new PrmScoringOptions { TokenBudget = 1, MaxBatchSize = 1 });
        using var batched = PrmScorer.Load(_folders.Copy("tiny-qwen2-prm"), new PrmScoringOptions { TokenBudget = 100_000, MaxBatchSize = 64 });
        var one = scorer.Score(Items);
        var all = batched.Score(Items);
        for (int i = 0; i < Items.Length; i++)
        {
            Assert.Equal(one[i].Score, all[i].Score, 1e-5);
            Assert.Equal(one[i].StepScores.Count, all[i].StepScores.Count);
        }
    }

    [Fact]
    public void Score_InputLongerThanMaxTokens_IsCutAndFlagged()
    {
        using var full = PrmScorer.Load(_folders.Copy("tiny-qwen2-prm"));
        var sample = PrmSample.FromResponse(Items[0].Problem, Items[0].Response);
        var input = full.Encoder.Encode(sample);
        // Keep the first separator only.
        int limit = input.SegmentPositions[0] + 2;
        using var cut = PrmScorer.Load(_folders.Copy("tiny-qwen2-prm"), new PrmScoringOptions { MaxTokens = limit });
        var score = cut.Score(Items[0].Problem, Items[0].Response);
        Assert.True(score.Truncated);
        Assert.Single(score.StepScores);
        Assert.Equal(full.Score(Items[0].Problem, Items[0].Response).StepScores[0], score.StepScores[0], 1e-5);
    }

    [Fact]
    public void Load_TokenizerWithoutSeparator_ThrowsNamingTheToken()
    {
        var dir = _folders.Copy("tiny-qwen2-prm", withSeparator: false);
        var e = Assert.Throws<InvalidDataException>(() => PrmScorer.Load(dir));
        Assert.Contains("<extra_0>", e.Message);
        Assert.Contains(dir, e.Message);
    }

    [Fact]
    public void Load_CausalLanguageModel_ThrowsNotARewardModel()
    {
        var e = Assert.Throws<InvalidDataException>(() => PrmScorer.Load(_folders.Copy("tiny-qwen2")));
        Assert.Contains("not a reward model", e.Message);
    }

    [Fact]
    public void Score_ScalarHead_IsSigmoidAtLastTokenOfRawProblemPlusResponse()
    {
        var dir = _folders.Copy("tiny-qwen2-prm-scalar");
        using var scorer = PrmScorer.Load(dir, new PrmScoringOptions { ScalarMaxTokens = 40 });
        using var loaded = PretrainedModel.Load(dir);
        var rm = (Qwen2ScalarRewardModel)loaded.Module;
        var tokenizer = BpeTokenizer.FromDirectory(dir);
        var scores = scorer.Score(Items);
        for (int i = 0; i < Items.Length; i++)
        {
            var ids = tokenizer.Encode(Items[i].Problem + Items[i].Response);
            bool cut = ids.Length > 40;
            if (cut) ids = ids[..40];
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            double expected = rm.forward(tensor(ids.Select(x => (long)x).ToArray(), [1, ids.Length])).ToDouble();
            Assert.Equal(expected, scores[i].Score, 1e-5);
            Assert.Equal(cut, scores[i].Truncated);
        }
        Assert.Contains(scores, s => s.Truncated);
    }

    public void Dispose() => _folders.Dispose();
}
