using ReasonFlux.Recipes.Options;
using ReasonFlux.Tokenizers;
using ReasonFlux.Training.Sft;

namespace ReasonFlux.Training.Tests;

public class SftDatasetTests
{
    private const int ImEnd = 258;

    private static SftDataset Load(TempDir dir, string lines, SftDataOptions? options = null)
    {
        File.WriteAllText(dir["data.jsonl"], lines);
        using var lm = TinyModel.Load();
        return SftDataset.Load(dir["data.jsonl"], options ?? new SftDataOptions { Train = dir["data.jsonl"] }, lm.Tokenizer, lm.ChatTemplate, SftDataset.EndOfTurnTokenId(lm));
    }

    [Fact]
    public void EndOfTurnTokenId_ChatMlModel_IsImEnd()
    {
        using var lm = TinyModel.Load();
        Assert.Equal(ImEnd, SftDataset.EndOfTurnTokenId(lm));
    }

    [Fact]
    public void Load_PromptCompletion_RendersUserTurnWithGenerationPromptThenCompletionAndImEnd()
    {
        using var dir = new TempDir();
        var data = Load(dir, "{\"prompt\": \"1+1?\", \"completion\": \"2\"}\n");
        using var lm = TinyModel.Load();
        var prompt = lm.Tokenizer.Encode("<|im_start|>user\n1+1?<|im_end|>\n<|im_start|>assistant\n");
        var example = Assert.Single(data.Examples);
        Assert.Equal([.. prompt, (int)'2', ImEnd], example.InputIds);
        Assert.Equal(prompt.Length, example.PromptLength);
        Assert.Equal(2, example.TrainedTokens(completionOnly: true));
        Assert.Equal(prompt.Length + 1, example.TrainedTokens(completionOnly: false));
        Assert.EndsWith("data.jsonl:1", example.Location);
    }

    [Fact]
    public void Load_CustomKeysAndCompletionEndingWithImEnd_DoesNotAppendASecondEnd()
    {
        using var dir = new TempDir();
        var data = Load(dir, "{\"q\": \"x\", \"a\": \"y<|im_end|>\"}\n", new SftDataOptions { PromptKey = "q", CompletionKey = "a" });
        var ids = Assert.Single(data.Examples).InputIds;
        Assert.Equal([(int)'y', ImEnd], ids[^2..]);
    }

    [Fact]
    public void Load_Messages_LearnsTheLastAssistantTurnAfterTheRenderedHistory()
    {
        using var dir = new TempDir();
        var data = Load(dir, """
            {"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}, {"role": "assistant", "content": "A"}]}
            """ + "\n");
        using var lm = TinyModel.Load();
        var prompt = lm.Tokenizer.Encode("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n");
        var example = Assert.Single(data.Examples);
        Assert.Equal([.. prompt, (int)'A', ImEnd], example.InputIds);
        Assert.Equal(prompt.Length, example.PromptLength);
    }

    [Fact]
    public void Load_MultiTurnMessages_TargetsEveryAssistantTurnAndNothingElse()
    {
        using var dir = new TempDir();
        var data = Load(dir, """
            {"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}, {"role": "assistant", "content": "A"}, {"role": "user", "content": "V"}, {"role": "assistant", "content": "B"}]}
            """ + "\n");
        using var lm = TinyModel.Load();
        var first = lm.Tokenizer.Encode("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n");
        var between = lm.Tokenizer.Encode("\n<|im_start|>user\nV<|im_end|>\n<|im_start|>assistant\n");
        var example = Assert.Single(data.Examples);
        Assert.Equal([.. first, (int)'A', ImEnd, .. between, (int)'B', ImEnd], example.InputIds);
        Assert.Equal(first.Length, example.PromptLength);
        int[] targets = [first.Length, first.Length + 1, first.Length + 2 + between.Length, first.Length + 3 + between.Length];
        Assert.Equal(targets, Enumerable.Range(0, example.InputIds.Length).Where(i => example.IsTarget(i, completionOnly: true)));
        Assert.Equal(4, example.TrainedTokens(completionOnly: true));
        Assert.Equal(example.InputIds.Length - 1, example.TrainedTokens(completionOnly: false));

        // The micro-batch trains on exactly those tokens: the loss is on assistant turns only.
        using var scope = ReasonFlux.Torch.torch.NewDisposeScope();
        var micro = SftMicroBatch.Create([example], 0, completionOnly: true, ReasonFlux.Torch.Device.CPU);
        Assert.Equal([(long)'A', ImEnd, 'B', ImEnd], micro.Targets.ToArray<long>());
    }

    [Fact]
    public void Load_MultiTurnMessagesLongerThanMaxSeqLen_IsCutFromTheRightAndCounted()
    {
        using var dir = new TempDir();
        var data = Load(dir, """
            {"messages": [{"role": "user", "content": "U"}, {"role": "assistant", "content": "A"}, {"role": "user", "content": "V"}, {"role": "assistant", "content": "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"}]}
            """ + "\n", new SftDataOptions { MaxSeqLen = 50 });
        var example = Assert.Single(data.Examples);
        Assert.Equal(50, example.InputIds.Length);
        Assert.Equal(1, data.TruncatedCompletions);
        Assert.True(example.IsTarget(example.InputIds.Length - 1, completionOnly: true));
    }

    [Theory]
    [InlineData("{\"prompt\": \"p\"}", "data.jsonl:2: missing required field \"completion\"")]
    [InlineData("{\"prompt\": \"p\", \"completion\": 3}", "data.jsonl:2: field \"completion\" must be a string")]
    [InlineData("{not json", "data.jsonl:2: invalid JSON")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"u\"}]}", "data.jsonl:2: the last of \"messages\" must be")]
    [InlineData("{\"messages\": []}", "data.jsonl:2: field \"messages\" must be a non-empty array")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": 3}, {\"role\": \"assistant\", \"content\": \"a\"}]}", "data.jsonl:2: messages[0] must be {\"role\": \"...\", \"content\": \"...\"} with string values")]
    public void Load_BadLine_ErrorNamesFileAndLine(string badLine, string expected)
    {
        using var dir = new TempDir();
        var e = Assert.Throws<InvalidDataException>(() => Load(dir, "{\"prompt\": \"p\", \"completion\": \"c\"}\n" + badLine + "\n"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith(dir["data.jsonl"], e.Message);
    }

    [Fact]
    public void Load_EmptyFile_Fails()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<InvalidDataException>(() => Load(dir, "\n"));
        Assert.Contains("no training examples", e.Message);
    }

    [Theory]
    [InlineData(10, 5, 20, 10, 5)]   // fits
    [InlineData(30, 5, 20, 15, 5)]   // long prompt: cut from the left, completion whole
    [InlineData(30, 40, 20, 10, 10)] // both long: half the budget for the prompt's end, the rest for the completion's start
    [InlineData(4, 40, 20, 4, 16)]   // short prompt, long completion: the prompt stays whole
    public void Truncate_Budget_KeepsPromptEndAndCompletionStart(int prompt, int completion, int max, int keepPrompt, int keepCompletion) =>
        Assert.Equal((keepPrompt, keepCompletion), SftDataset.Truncate(prompt, completion, max));

    [Fact]
    public void Load_OverlongExamples_AreTruncatedAndCounted()
    {
        using var dir = new TempDir();
        var longPrompt = new string('p', 200);
        var longCompletion = new string('c', 200);
        var data = Load(dir, $"{{\"prompt\": \"{longPrompt}\", \"completion\": \"ok\"}}\n{{\"prompt\": \"q\", \"completion\": \"{longCompletion}\"}}\n{{\"prompt\": \"q\", \"completion\": \"ok\"}}\n",
            new SftDataOptions { MaxSeqLen = 64 });
        Assert.Equal((1, 1), (data.TruncatedPrompts, data.TruncatedCompletions));
        Assert.All(data.Examples, e => Assert.True(e.InputIds.Length <= 64));
        var first = data.Examples[0];
        Assert.Equal([(int)'o', (int)'k', ImEnd], first.InputIds[^3..]);
        Assert.Equal(61, first.PromptLength);
        Assert.NotEqual(ImEnd, data.Examples[1].InputIds[^1]);
    }
}
