using ReasonFlux.IO;

namespace ReasonFlux.Training.Tests;

public class GenerateCommandTests
{
    private static List<JsonlRecord> Generate(TempDir dir, string outName, params string[] extra)
    {
        string[] args = ["generate", "--model", TinyModel.Directory, "--input", dir["prompts.jsonl"], "--output", dir[outName], .. extra];
        Assert.Equal(0, CliVerbs.Invoke(args));
        return JsonlReader.ReadAll(dir[outName]);
    }

    private static void WritePrompts(TempDir dir) => File.WriteAllText(dir["prompts.jsonl"],
        "{\"prompt\": \"What is 2 + 2?\"}\n" +
        "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}\n" +
        "{\"ids\": [257, 117, 115, 101, 114, 10, 72, 258, 10, 257]}\n");

    [Fact]
    public void Invoke_SeededSampling_WritesEverySampleInOrderAndRepeatsExactly()
    {
        using var dir = new TempDir();
        WritePrompts(dir);
        string[] options = ["--n", "3", "--temperature", "1.0", "--top-p", "0.95", "--top-k", "50", "--max-new-tokens", "12", "--seed", "5", "--chat"];
        var first = Generate(dir, "a.jsonl", options);
        var again = Generate(dir, "b.jsonl", options);

        Assert.Equal(9, first.Count);
        for (int i = 0; i < first.Count; i++)
        {
            var line = first[i].Value;
            Assert.Equal(i / 3, (int)line["prompt_index"]!);
            Assert.Equal(i % 3, (int)line["sample_index"]!);
            var ids = line["token_ids"]!.AsArray();
            var logprobs = line["logprobs"]!.AsArray();
            Assert.InRange(ids.Count, 1, 12);
            Assert.Equal(ids.Count, logprobs.Count);
            Assert.All(logprobs, lp => Assert.True((double)lp! <= 0));
            var reason = (string)line["finish_reason"]!;
            Assert.True(reason == "length" ? ids.Count == 12 : reason == "stop" && (int)ids[^1]! is 256 or 258, $"line {i}: {reason} after {ids.Count} tokens");
            Assert.NotNull((string?)line["text"]);
        }
        Assert.Equal(File.ReadAllText(dir["a.jsonl"]), File.ReadAllText(dir["b.jsonl"]));
        // Samples of a prompt differ from one another (they draw from their own random streams).
        Assert.True(first.Take(3).Select(l => l.Value["token_ids"]!.ToJsonString()).Distinct().Count() > 1);
    }

    [Fact]
    public void Invoke_Greedy_SamplesOfAPromptAreIdentical()
    {
        using var dir = new TempDir();
        WritePrompts(dir);
        var lines = Generate(dir, "g.jsonl", "--n", "2", "--temperature", "0", "--max-new-tokens", "8");
        Assert.Equal(6, lines.Count);
        for (int p = 0; p < 3; p++)
            Assert.Equal(lines[2 * p].Value["token_ids"]!.ToJsonString(), lines[2 * p + 1].Value["token_ids"]!.ToJsonString());
    }

    [Fact]
    public void Invoke_StopStrings_CutTheTextBeforeTheFirstOne()
    {
        using var dir = new TempDir();
        WritePrompts(dir);
        string[] stops = ["a", "e", "i", "o", "u", "t", "n", "s", "r", "h", "l", "d"];
        var lines = Generate(dir, "s.jsonl", ["--n", "4", "--max-new-tokens", "24", "--seed", "1", .. stops.SelectMany(s => new[] { "--stop", s })]);
        var stopped = 0;
        foreach (var line in lines)
        {
            var text = (string)line.Value["text"]!;
            Assert.DoesNotContain(stops, s => text.Contains(s, StringComparison.Ordinal));
            var ids = line.Value["token_ids"]!.AsArray();
            if ((string)line.Value["finish_reason"]! == "stop" && (int)ids[^1]! is not (256 or 258)) stopped++;
        }
        Assert.True(stopped > 0, "no sample ended on a stop string");
    }

    [Theory]
    [InlineData("{\"text\": \"x\"}")]
    [InlineData("{\"ids\": []}")]
    [InlineData("{\"ids\": [9999]}")]
    [InlineData("{\"prompt\": 5}")]
    public void Invoke_BadLine_ExitCode2(string line)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["prompts.jsonl"], line + "\n");
        Assert.Equal(2, CliVerbs.Invoke("generate", "--model", TinyModel.Directory, "--input", dir["prompts.jsonl"], "--output", dir["o.jsonl"]));
        Assert.False(File.Exists(dir["o.jsonl"]));
    }

    [Fact]
    public void Invoke_PromptTooLongForTheModel_ExitCode2()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["prompts.jsonl"], $"{{\"prompt\": \"{new string('x', 500)}\"}}\n");
        Assert.Equal(2, CliVerbs.Invoke("generate", "--model", TinyModel.Directory, "--input", dir["prompts.jsonl"], "--output", dir["o.jsonl"], "--max-new-tokens", "64"));
    }
}
