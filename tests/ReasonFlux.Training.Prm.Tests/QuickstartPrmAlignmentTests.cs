using System.Text.Json.Nodes;
using ReasonFlux.Models.Builtin;
using ReasonFlux.Models.Heads;
using ReasonFlux.Models.Qwen2;
using ReasonFlux.Recipes.Loading;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Rewards;
using ReasonFlux.Tasks.Arithmetic;
using ReasonFlux.Tokenizers;
using ReasonFlux.Training.Prm;

namespace ReasonFlux.Training.Prm.Tests;

/// <summary>
/// The quickstart's prm.jsonl as the PRM trainer reads it, through builtin:tiny's tokenizer and the quickstart chat
/// template: one separator per step, each read right after its step's text, each trained on that step's arithmetic
/// label, and the trajectory target read at the separator after the boxed answer. A shifted or misaligned readout
/// would leave the quickstart PRM at its label base rate with no error anywhere.
/// </summary>
public class QuickstartPrmAlignmentTests
{
    [Fact]
    public void QuickstartPrmData_EveryStepTargetIsReadAtTheSeparatorRightAfterItsStep()
    {
        using var dir = new TempDir();
        var shape = new ArithmeticTaskShape { MinOperations = 3, MaxOperations = 3, MinOperand = 1, MaxOperand = 9, MinValue = 10, MaxValue = 99, Carries = false };
        var sizes = new QuickstartTaskSizes { Sft = 1, Grpo = 1, Eval = 1, Pool = 3, Prm = 8, PoolCorrectFraction = 1.0 / 3 };
        QuickstartTaskWriter.Write(dir["data"], seed: 1, shape, sizes);
        var prmFile = Path.Combine(dir["data"], QuickstartTaskWriter.PrmFile);

        var baseDir = BuiltinModels.Materialize("builtin:tiny", dir["base"], 1);
        var template = Path.Combine(RepoRoot(), "recipes", "data", "quickstart", "chat_template.jinja");
        var files = PrmTokenizerFiles.Prepare(baseDir, "<extra_0>", Qwen2Config.Load(baseDir).VocabSize, template);
        Assert.False(files.AddedSeparator);
        var encoder = new PrmInputEncoder(files.Tokenizer, files.Template, PrmHeadKind.TwoClass,
            new PrmScoringOptions { Mode = PrmScoringMode.Paper, SeparatorToken = "<extra_0>", MaxTokens = 256, ScalarMaxTokens = 256 });
        var set = PrmTrainingSet.Load(new PrmDataOptions { Train = prmFile, MaxSeqLen = 256 }, PrmHead.TwoClass, encoder);

        var records = File.ReadLines(prmFile).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(records.Count, set.Count);
        Assert.Equal(0, set.TruncatedExamples);
        var qualities = new HashSet<string>();
        for (int r = 0; r < records.Count; r++)
        {
            var record = records[r];
            var example = set.Examples[r];
            var steps = record["steps"]!.AsArray().Select(s => (string)s!).ToArray();
            var labels = record["step_targets"]!.AsArray().Select(t => (float)(double)t!).ToArray();
            qualities.Add((string)record["quality"]!);

            // Three arithmetic steps, then the boxed answer; each label is the step checker's verdict.
            Assert.Equal(4, steps.Length);
            Assert.StartsWith("\\boxed{", steps[^1]);
            var truth = TrueSteps((string)record["question"]!);
            Assert.Equal(3, truth.Count);
            bool clean = true;
            for (int i = 0; i < 3; i++)
            {
                bool right = steps[i] == truth[i];
                clean &= right;
                Assert.Equal(right ? 1f : 0f, labels[i]);
            }
            bool answerRight = steps[^1] == $"\\boxed{{{truth[^1].Split(" = ")[1]}}}";
            Assert.Equal(clean && answerRight ? 1f : 0f, labels[^1]);

            Assert.Equal(steps.Length, example.StepPositions.Length);
            Assert.Equal(labels, example.StepTargets);
            Assert.Equal(example.StepPositions[^1], example.FinalPosition);
            Assert.Equal((float)(double)record["final_target"]!, example.FinalTarget);
            int previous = -1;
            for (int i = 0; i < steps.Length; i++)
            {
                int at = example.StepPositions[i];
                Assert.Equal(encoder.SeparatorTokenId, example.InputIds[at]);
                // The separator read for step i ends step i's text: the tokens since the previous separator (or the
                // assistant header, for the first) decode to exactly that step.
                var text = files.Tokenizer.Decode(example.InputIds.AsSpan(previous + 1, at - previous - 1));
                if (i == 0) Assert.EndsWith("assistant\n" + steps[0], text);
                else Assert.Equal(steps[i], text);
                previous = at;
            }
            Assert.Equal(steps.Length, example.InputIds.Count(id => id == encoder.SeparatorTokenId));
        }
        Assert.Equal(["correct", "flawed", "wrong"], qualities.Order());
    }

    [Fact]
    public void QuickstartPrmReadout_TheBackboneReadsThePolicysOwnTokensUpToEachStepsLastToken()
    {
        using var dir = new TempDir();
        var stage = RecipeLoader.Load(Path.Combine(RepoRoot(), "recipes", "quickstart.yaml")).Stages.OfType<PrmTrainOptions>().Single();
        var readout = PrmModelFolder.ToReadout(stage.Readout);
        Assert.Equal(PrmReadPosition.StepEnd, readout.At);
        var shape = new ArithmeticTaskShape { MinOperations = 3, MaxOperations = 3, MinOperand = 1, MaxOperand = 9, MinValue = 10, MaxValue = 99, Carries = false };
        QuickstartTaskWriter.Write(dir["data"], seed: 2, shape, new QuickstartTaskSizes { Sft = 1, Grpo = 1, Eval = 1, Pool = 3, Prm = 4, PoolCorrectFraction = 1.0 / 3 });

        var baseDir = BuiltinModels.Materialize("builtin:tiny", dir["base"], 1);
        var files = PrmTokenizerFiles.Prepare(baseDir, stage.StepSeparator, Qwen2Config.Load(baseDir).VocabSize, Path.Combine(RepoRoot(), stage.Model.ChatTemplate!));
        var policyTemplate = ChatTemplate.Load(Path.Combine(RepoRoot(), "recipes", "data", "quickstart", "chat_template.jinja"), baseDir);
        var encoder = new PrmInputEncoder(files.Tokenizer, files.Template, PrmHeadKind.TwoClass,
            new PrmScoringOptions { SeparatorToken = stage.StepSeparator, MaxTokens = 256 }, "quickstart", readout);
        foreach (var line in File.ReadLines(Path.Combine(dir["data"], QuickstartTaskWriter.PrmFile)))
        {
            var record = JsonNode.Parse(line)!.AsObject();
            var question = (string)record["question"]!;
            var steps = record["steps"]!.AsArray().Select(x => (string)x!).ToArray();
            var input = encoder.Encode(PrmSample.FromSteps(question, steps));
            // What the policy read and wrote: its prompt, then "<think>\n", the steps joined by "\n\n", "\n</think>\n\n" and the answer.
            var completion = "<think>\n" + string.Join("\n\n", steps[..^1]) + "\n</think>\n\n" + steps[^1];
            var policy = files.Tokenizer.Encode(policyTemplate.Render([ChatMessage.User(question)], addGenerationPrompt: true) + completion);
            for (int i = 0; i < steps.Length - 1; i++)
            {
                int at = input.SegmentPositions[i];
                Assert.Equal(policy[..(at + 1)], input.InputIds[..(at + 1)]);
                Assert.EndsWith(steps[i], files.Tokenizer.Decode(input.InputIds[..(at + 1)]));
            }
            Assert.EndsWith(steps[^1], files.Tokenizer.Decode(input.InputIds[..(input.SegmentPositions[^1] + 1)]));
        }
    }

    /// <summary>"Compute 47 + 2 - 5 + 3." → ["47 + 2 = 49", "49 - 5 = 44", "44 + 3 = 47"], worked out here, not by the task's checker.</summary>
    private static List<string> TrueSteps(string question)
    {
        var m = System.Text.RegularExpressions.Regex.Match(question, @"^Compute (\d+)((?: [+-] \d+)+)\.$");
        Assert.True(m.Success, question);
        int value = int.Parse(m.Groups[1].Value);
        var tokens = m.Groups[2].Value.Trim().Split(' ');
        var steps = new List<string>();
        for (int i = 0; i < tokens.Length; i += 2)
        {
            int operand = int.Parse(tokens[i + 1]);
            int next = tokens[i] == "+" ? value + operand : value - operand;
            steps.Add($"{value} {tokens[i]} {operand} = {next}");
            value = next;
        }
        return steps;
    }

    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "ReasonFlux.Rl.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("ReasonFlux.Rl.sln not found above the test binaries");
    }
}
