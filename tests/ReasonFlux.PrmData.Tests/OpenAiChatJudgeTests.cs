using ReasonFlux.PrmData;
using ReasonFlux.PrmData.Judging;

namespace ReasonFlux.PrmData.Tests;

public sealed class OpenAiChatJudgeTests
{
    private static OpenAiJudgeOptions Options(LoopbackChatServer server, int retries = 3) => new()
    {
        BaseUrl = server.BaseUrl,
        Model = "judge-test",
        MaxRetries = retries,
        InitialBackoff = TimeSpan.FromMilliseconds(5),
        MaxBackoff = TimeSpan.FromMilliseconds(20),
        Timeout = TimeSpan.FromSeconds(10),
    };

    [Fact]
    public async Task Complete_PostsModelMessagesTemperatureMaxTokens_WithBearerKeyFromEnvironment()
    {
        using var server = new LoopbackChatServer(_ => ChatResponse.Content("Score: 0.9"));
        var variable = "REASONFLUX_PRMDATA_TEST_KEY_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "sk-test-123");
        try
        {
            using var judge = new OpenAiChatJudge(Options(server) with { ApiKeyEnvironmentVariable = variable, SystemPrompt = "be strict", Temperature = 0.25 });
            var replies = await judge.CompleteAsync([new JudgeRequest("rate this", 17)]);
            Assert.Equal("Score: 0.9", replies[0].Text);
            var request = Assert.Single(server.Requests);
            Assert.Equal("/v1/chat/completions", request.Path);
            Assert.Equal("Bearer sk-test-123", request.Authorization);
            Assert.Equal("judge-test", request.Body["model"]!.GetValue<string>());
            Assert.Equal(17, request.Body["max_tokens"]!.GetValue<int>());
            Assert.Equal(0.25, request.Body["temperature"]!.GetValue<double>());
            var messages = request.Body["messages"]!.AsArray();
            Assert.Equal("system", messages[0]!["role"]!.GetValue<string>());
            Assert.Equal("be strict", messages[0]!["content"]!.GetValue<string>());
            Assert.Equal("user", messages[1]!["role"]!.GetValue<string>());
            Assert.Equal("rate this", request.Prompt);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task Complete_ReplyOverTheCap_FailsThatRequestWithoutBufferingIt()
    {
        using var server = new LoopbackChatServer(_ => ChatResponse.Content(new string('x', 200_000)));
        using var judge = new OpenAiChatJudge(Options(server) with { MaxReplyBytes = 64 * 1024 });
        var reply = Assert.Single(await judge.CompleteAsync([new JudgeRequest("rate this", 17)]));
        Assert.False(reply.Succeeded);
        Assert.Contains("longer than 65536 bytes", reply.Error);
        Assert.Equal(1, judge.Statistics.Failed);
        Assert.Single(server.Requests); // not retried: a longer wait will not make it shorter
    }

    [Fact]
    public void Options_MaxReplyBytesNotPositive_IsRefused() =>
        Assert.Throws<ArgumentException>(() => new OpenAiChatJudge(new OpenAiJudgeOptions { BaseUrl = "http://127.0.0.1:9/v1", Model = "m", MaxReplyBytes = 0 }));

    [Fact]
    public async Task Complete_ServerErrorThenSuccess_RetriesAndSucceeds()
    {
        using var server = new LoopbackChatServer(r => r.Number == 1 ? new ChatResponse(500, "{\"error\":\"boom\"}") : ChatResponse.Content("0.75"));
        using var judge = new OpenAiChatJudge(Options(server));
        var replies = await judge.CompleteAsync([new JudgeRequest("p", 8)]);
        Assert.Equal("0.75", replies[0].Text);
        Assert.Equal(2, server.Requests.Count);
        Assert.Equal(1, judge.Statistics.Retries);
        Assert.Equal(1, judge.Statistics.Succeeded);
        Assert.Equal(0, judge.Statistics.Failed);
    }

    [Fact]
    public async Task Complete_429ThenSuccess_Retries()
    {
        using var server = new LoopbackChatServer(r => r.Number <= 2 ? new ChatResponse(429, "{}") : ChatResponse.Content("ok"));
        using var judge = new OpenAiChatJudge(Options(server));
        var replies = await judge.CompleteAsync([new JudgeRequest("p", 8)]);
        Assert.Equal("ok", replies[0].Text);
        Assert.Equal(2, judge.Statistics.Retries);
    }

    [Fact]
    public async Task Complete_AlwaysFailing_GivesUpAfterRetries_AndCountsTheFailure()
    {
        using var server = new LoopbackChatServer(_ => new ChatResponse(503, "{\"error\":\"overloaded\"}"));
        using var judge = new OpenAiChatJudge(Options(server, retries: 2));
        var replies = await judge.CompleteAsync([new JudgeRequest("a", 8), new JudgeRequest("b", 8)]);
        Assert.All(replies, r => Assert.False(r.Succeeded));
        Assert.Contains("gave up after 3 attempts", replies[0].Error);
        Assert.Contains("503", replies[0].Error);
        Assert.Equal(6, server.Requests.Count);
        Assert.Equal(2, judge.Statistics.Failed);
        Assert.Equal(4, judge.Statistics.Retries);
    }

    [Fact]
    public async Task Complete_Timeout_IsRetried()
    {
        // The retry must answer inside the timeout: 300 ms was too little on a CI machine running test projects in
        // parallel (the retry timed out too, Retries 2). The late reply's delay is cancelled when the server stops.
        using var server = new LoopbackChatServer(r => r.Number == 1 ? ChatResponse.Content("late") with { Delay = TimeSpan.FromSeconds(30) } : ChatResponse.Content("0.5"));
        using var judge = new OpenAiChatJudge(Options(server) with { Timeout = TimeSpan.FromSeconds(1.5) });
        var replies = await judge.CompleteAsync([new JudgeRequest("p", 8)]);
        Assert.Equal("0.5", replies[0].Text);
        Assert.Equal(1, judge.Statistics.Retries);
    }

    [Fact]
    public async Task Complete_BadRequest_FailsWithoutRetry()
    {
        using var server = new LoopbackChatServer(_ => new ChatResponse(400, "{\"error\":\"context length exceeded\"}"));
        using var judge = new OpenAiChatJudge(Options(server));
        var reply = (await judge.CompleteAsync([new JudgeRequest("p", 8)]))[0];
        Assert.False(reply.Succeeded);
        Assert.Contains("400", reply.Error);
        Assert.Single(server.Requests);
        Assert.Equal(0, judge.Statistics.Retries);
    }

    [Fact]
    public async Task Complete_NonJsonBody_IsAFailedRequest()
    {
        using var server = new LoopbackChatServer(_ => new ChatResponse(200, "<html>gateway</html>"));
        using var judge = new OpenAiChatJudge(Options(server));
        var reply = (await judge.CompleteAsync([new JudgeRequest("p", 8)]))[0];
        Assert.False(reply.Succeeded);
        Assert.Contains("not JSON", reply.Error);
        Assert.Equal(1, judge.Statistics.Failed);
    }

    [Fact]
    public async Task Complete_Unauthorized_ThrowsJudgeUnavailable()
    {
        using var server = new LoopbackChatServer(_ => new ChatResponse(401, "{\"error\":\"bad key\"}"));
        using var judge = new OpenAiChatJudge(Options(server));
        var e = await Assert.ThrowsAsync<JudgeUnavailableException>(() => judge.CompleteAsync([new JudgeRequest("p", 8)]));
        Assert.Contains("401", e.Message);
    }

    [Fact]
    public void Create_ApiKeyVariableUnset_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => new OpenAiChatJudge(new OpenAiJudgeOptions
        {
            BaseUrl = "http://127.0.0.1:1/v1", Model = "m", ApiKeyEnvironmentVariable = "REASONFLUX_PRMDATA_SURELY_UNSET_" + Guid.NewGuid().ToString("N"),
        }));
        Assert.Contains("is not set", e.Message);
    }

    [Fact]
    public void Create_RelativeUrl_Throws() =>
        Assert.Throws<ArgumentException>(() => new OpenAiChatJudge(new OpenAiJudgeOptions { BaseUrl = "api/v1", Model = "m" }));

    [Fact]
    public async Task QualityScorer_GarbageReplies_AreCountedFailures_ParsedRepliesAreScores()
    {
        using var server = new LoopbackChatServer(r => r.Prompt.Contains("):\nSTEP-A") ? ChatResponse.Content("Looks right. Score: 8/10")
            : r.Prompt.Contains("):\nSTEP-B") ? ChatResponse.Content("I cannot judge this step.")
            : ChatResponse.Content("lorem ipsum 42"));
        using var judge = new OpenAiChatJudge(Options(server));
        var scorer = new StepQualityScorer(judge, new QualityOptions());
        string[] steps = ["STEP-A", "STEP-B", "STEP-C"];
        var results = await scorer.ScoreAsync(Enumerable.Range(0, 3).Select(t => new StepQualityRequest("problem", steps, t, "answer 3")).ToList());
        Assert.Equal(0.8, results[0].Score!.Value, 12);
        Assert.Null(results[1].Score);
        Assert.Contains("unparsable", results[1].Failure);
        Assert.Null(results[2].Score);
        Assert.Equal(2, scorer.UnparsableReplies);
        // The prompt carries the problem, the previous steps and the step being judged.
        var third = server.Requests.Single(r => r.Prompt.Contains("Current step (3 of 3):\nSTEP-C"));
        Assert.Contains("STEP-A\n\nSTEP-B", third.Prompt);
        Assert.Contains("problem", third.Prompt);
    }
}
