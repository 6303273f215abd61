using ReasonFlux.PrmData;
using ReasonFlux.PrmData.Embeddings;
using ReasonFlux.PrmData.Judging;
using ReasonFlux.PrmData.TrajectoryReward;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.PrmData.Tests;

[Collection(TinyModelCollection.Name)]
public sealed class TinyModelTests(TinyModelFixture tiny)
{
    /// <summary>Short prompts: builtin:tiny is byte-level with a 512-token context.</summary>
    private static readonly TrajectoryRewardOptions ShortReward = new()
    {
        ExtractionPrompt = "T:{trajectory}",
        ExtractionMaxTokens = 12,
        PolicyPrompt = "{problem}|{template}",
        Rollouts = 3,
        MaxNewTokens = 10,
        Seed = 5,
    };

    [Fact]
    public void Encode_BatchedWithPadding_EqualsEachTextAlone_AndMeanPoolsTheHiddenStates()
    {
        var encoder = MeanPooledEncoder.Create(tiny.Model);
        string[] texts = ["a", "a somewhat longer step of text", "mid length"];
        var batched = encoder.Encode(texts);
        Assert.Equal(64, encoder.Dimension);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(64, batched[i].Length);
            var alone = encoder.Encode([texts[i]])[0];
            for (int k = 0; k < alone.Length; k++) Assert.True(Math.Abs(alone[k] - batched[i][k]) < 1e-5, $"text {i} dim {k}: {alone[k]} vs {batched[i][k]}");
        }
        // Reference: the decoder's final hidden states of the unpadded text, averaged over its tokens.
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var ids = tiny.Model.Tokenizer.Encode(texts[1]).Select(x => (long)x).ToArray();
        var mean = tiny.Model.Model.Model.forward(tensor(ids, [1, ids.Length])).mean(1).squeeze(0).ToArray<float>();
        for (int k = 0; k < mean.Length; k++) Assert.True(Math.Abs(mean[k] - batched[1][k]) < 1e-5);
    }

    [Fact]
    public void Encode_TooLongText_IsTruncatedAndCounted()
    {
        var encoder = MeanPooledEncoder.Create(tiny.Model, new EncoderOptions { MaxTokens = 8, MaxBatchTokens = 16, MaxBatchSize = 2 });
        var v = encoder.Encode(["0123456789abcdef", "01234567", "x", "y"]);
        Assert.Equal(1, encoder.TruncatedTexts);
        for (int k = 0; k < v[0].Length; k++) Assert.True(Math.Abs(v[0][k] - v[1][k]) < 1e-5);
    }

    [Fact]
    public async Task LocalJudge_AnswersEveryPromptGreedily_AndFailsPromptsThatDoNotFit()
    {
        var judge = new LocalModelJudge(tiny.Model);
        var replies = await judge.CompleteAsync([new JudgeRequest("rate: 1+1=2", 6), new JudgeRequest("rate: 2+2=4", 4), new JudgeRequest(new string('x', 600), 4)]);
        Assert.NotNull(replies[0].Text);
        Assert.NotNull(replies[1].Text);
        Assert.False(replies[2].Succeeded);
        Assert.Contains("exceeds", replies[2].Error);
        Assert.Equal(3, judge.Statistics.Requests);
        Assert.Equal(1, judge.Statistics.Failed);
        var again = await judge.CompleteAsync([new JudgeRequest("rate: 1+1=2", 6)]);
        Assert.Equal(replies[0].Text, again[0].Text);
    }

    [Fact]
    public async Task LocalJudge_QualityScores_AreInUnitIntervalOrCountedFailures()
    {
        var judge = new LocalModelJudge(tiny.Model);
        var scorer = new StepQualityScorer(judge, new QualityOptions { PromptTemplate = "{problem}|{previous_steps}|{step}|Score:", MaxTokens = 6 });
        string[] steps = ["x=1", "y=2"];
        var results = await scorer.ScoreAsync([new("p", steps, 0, "r"), new("p", steps, 1, "r")]);
        Assert.All(results, r => Assert.True(r.Score is >= 0 and <= 1 || r.Failure is not null));
        Assert.Equal(2, judge.Statistics.Requests);
    }

    [Fact]
    public async Task TemplateReward_TinyPolicy_GivesSuccessFractionInUnitInterval_Reproducibly()
    {
        var judge = new ScriptedJudge(p => p.Replace("T:", "") + " then answer");
        var reward = new TemplateGuidedReward(judge, tiny.Model, ShortReward);
        TrajectoryRewardRequest[] requests = [new("1+1?", "add", "2", "2"), new("2+3?", "add them", "5", "5")];
        var results = await reward.ComputeAsync(requests);
        foreach (var r in results)
        {
            Assert.Null(r.Failure);
            Assert.Equal(3, r.Rollouts);
            Assert.InRange(r.Correct, 0, 3);
            Assert.Equal((double)r.Correct / 3, r.Reward!.Value, 12);
        }
        Assert.Equal("add them then answer", results[1].Template);
        var again = await reward.ComputeAsync(requests);
        Assert.Equal(results.Select(r => r.Correct), again.Select(r => r.Correct));
    }

    [Fact]
    public async Task TemplateReward_TinyLocalJudge_ExtractsOrReportsTheFailure()
    {
        var reward = new TemplateGuidedReward(new LocalModelJudge(tiny.Model), tiny.Model, ShortReward);
        var result = (await reward.ComputeAsync([new TrajectoryRewardRequest("1+1?", "add", "2", "2")]))[0];
        // A random tiny judge may well answer with nothing: that must surface as a failure, never as a reward.
        if (result.Reward is { } value)
        {
            Assert.InRange(value, 0, 1);
            Assert.False(string.IsNullOrWhiteSpace(result.Template));
        }
        else Assert.Equal("the judge returned an empty template", result.Failure);
    }

    [Fact]
    public async Task TemplateReward_PolicyPromptTooLong_IsAFailureNotAnException()
    {
        var judge = new ScriptedJudge(_ => "template");
        var reward = new TemplateGuidedReward(judge, tiny.Model, ShortReward with { MaxNewTokens = 500 });
        var result = (await reward.ComputeAsync([new TrajectoryRewardRequest("1+1?", "add", "2", "2")]))[0];
        Assert.Null(result.Reward);
        Assert.Contains("exceeds the policy's context", result.Failure);
    }

    [Fact]
    public void TemplateReward_PolicyPrompt_UsesThePolicyChatTemplate()
    {
        var reward = new TemplateGuidedReward(new LocalModelJudge(tiny.Model), tiny.Model, ShortReward);
        var text = tiny.Model.Tokenizer.Decode(reward.BuildPolicyPrompt("Q", "T"));
        Assert.Equal("<|im_start|>user\nQ|T<|im_end|>\n<|im_start|>assistant\n", text);
    }
}
