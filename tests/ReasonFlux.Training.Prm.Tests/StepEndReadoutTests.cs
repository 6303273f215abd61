using System.Text.Json.Nodes;
using ReasonFlux.Checkpoints;
using ReasonFlux.Models;
using ReasonFlux.Models.Builtin;
using ReasonFlux.Models.Heads;
using ReasonFlux.Models.Qwen2;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Recipes.Schema;
using ReasonFlux.Rewards;
using ReasonFlux.Runs;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Training.Prm.Tests;

/// <summary>
/// The PRM readout variants (<see cref="PrmReadout"/>): reading each step at its last token with the separator shown
/// as "\n\n" and the backbone's token likelihood as two more head inputs, and training the head over a frozen base.
/// </summary>
public class StepEndReadoutTests
{
    private static readonly PrmReadout StepEnd = new() { At = PrmReadPosition.StepEnd, SeparatorShownAs = "\n\n", TokenLikelihood = true };

    private static string Yaml(TempDir dir, long steps = 3, string extra = "") => $$"""
        run_name: prm
        output_dir: "{{dir["runs"]}}"
        kind: prm
        model: { path: "builtin:tiny", dtype: float32, gradient_checkpointing: false }
        head: two-class
        readout: { at: step-end, separator_shown_as: "\n\n", token_likelihood: true }
        freeze_base: true
        data: { train: "{{dir["train.jsonl"]}}", max_seq_len: 256 }
        loss: { loss: bce }
        optimizer: { lr: 0.003, schedule: constant, weight_decay: 0.1 }
        training: { steps: {{steps}}, micro_batch_size: 8, grad_accumulation: 1, seed: 3 }
        checkpoint: { save_every: 0 }
        logging: { progress: plain, tensorboard: false }
        {{extra}}
        """;

    private static string Output(TempDir dir) => Path.Combine(dir["runs"], "prm", "prm", "output");

    private static (string BaseDir, PrmTokenizerFiles Tokenizer) TinyBase(TempDir dir)
    {
        var baseDir = BuiltinModels.Materialize("builtin:tiny", dir["base"], 7);
        return (baseDir, PrmTokenizerFiles.Prepare(baseDir, "<extra_0>", Qwen2Config.Load(baseDir).VocabSize, null));
    }

    private static PrmInputEncoder Encoder(PrmTokenizerFiles t, PrmReadout readout, int maxTokens = 256) =>
        new(t.Tokenizer, t.Template, PrmHeadKind.TwoClass, new PrmScoringOptions { MaxTokens = maxTokens }, "tiny", readout);

    private static readonly PrmSample Sample = PrmSample.FromSteps("Compute 74 + 3 + 1.", ["74 + 3 = 77", "77 + 1 = 78"], answer: "\\boxed{78}");

    [Fact]
    public void Encode_StepEnd_ReadsEachSegmentsLastTokenWithTheSeparatorShownAsText()
    {
        using var dir = new TempDir();
        var (_, t) = TinyBase(dir);
        var paper = Encoder(t, PrmReadout.Paper).Encode(Sample);
        var input = Encoder(t, StepEnd).Encode(Sample);
        var view = t.Tokenizer.Encode("\n\n");
        Assert.Equal(2, view.Length);

        Assert.DoesNotContain(t.SeparatorId, input.InputIds);
        Assert.Equal(paper.InputIds.Length + 3 * (view.Length - 1), input.InputIds.Length);
        string[] segments = ["74 + 3 = 77", "77 + 1 = 78", "\\boxed{78}"];
        for (int i = 0; i < segments.Length; i++)
        {
            int p = input.SegmentPositions[i];
            Assert.EndsWith(segments[i], t.Tokenizer.Decode(input.InputIds[..(p + 1)]));
            Assert.Equal(view, input.InputIds[(p + 1)..(p + 1 + view.Length)]);
        }
        // Without the view the step-end readout is the token just before each separator.
        var plain = Encoder(t, StepEnd with { SeparatorShownAs = null }).Encode(Sample);
        Assert.Equal(paper.InputIds, plain.InputIds);
        Assert.Equal(paper.SegmentPositions.Select(p => p - 1), plain.SegmentPositions);
    }

    [Fact]
    public void Encode_StepEndTruncated_KeepsOnlyTheSegmentsReadBeforeTheLimit()
    {
        using var dir = new TempDir();
        var (_, t) = TinyBase(dir);
        var full = Encoder(t, StepEnd).Encode(Sample);
        int limit = full.SegmentPositions[1] + 1;
        var cut = Encoder(t, StepEnd, maxTokens: limit).Encode(Sample);
        Assert.True(cut.Truncated);
        Assert.Equal(full.InputIds[..limit], cut.InputIds);
        Assert.Equal(full.SegmentPositions[..2], cut.SegmentPositions);
    }

    [Fact]
    public void Encoder_ScalarHeadWithAReadout_IsRefused()
    {
        using var dir = new TempDir();
        var (_, t) = TinyBase(dir);
        var e = Assert.Throws<ArgumentException>(() => new PrmInputEncoder(t.Tokenizer, null, PrmHeadKind.Scalar, new PrmScoringOptions(), "tiny", StepEnd));
        Assert.Contains("scalar head", e.Message);
    }

    [Fact]
    public void Encode_StepMinLikelihood_StartsEachWindowAtItsSegmentsFirstToken()
    {
        using var dir = new TempDir();
        var (_, t) = TinyBase(dir);
        foreach (var readout in new[] { StepEnd with { StepMinLikelihood = true }, PrmReadout.Paper with { StepMinLikelihood = true } })
        {
            var input = Encoder(t, readout).Encode(Sample);
            Assert.NotNull(input.SegmentStarts);
            string[] segments = ["74 + 3 = 77", "77 + 1 = 78", "\\boxed{78}"];
            for (int i = 0; i < segments.Length; i++)
            {
                var window = t.Tokenizer.Decode(input.InputIds[input.SegmentStarts![i]..(input.SegmentPositions[i] + 1)]);
                // Read at the step's end the window is the step; read at the separator it ends with the separator.
                Assert.StartsWith(segments[i], window);
                Assert.Equal(readout.At == PrmReadPosition.StepEnd ? segments[i] : segments[i] + "<extra_0>", window);
            }
        }
        Assert.Null(Encoder(t, StepEnd).Encode(Sample).SegmentStarts);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void ScoreAt_LikelihoodInputs_AreTheHeadOverTheHiddenStateAndTheCausalLmsLogProbabilities(bool token, bool stepMin)
    {
        using var dir = new TempDir();
        var (baseDir, t) = TinyBase(dir);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var readout = StepEnd with { TokenLikelihood = token, StepMinLikelihood = stepMin };
        var (module, _) = PrmModelFolder.Create(baseDir, PrmHead.TwoClass, readout, ScalarType.Float32, Device.CPU, seed: 5);
        using var prm = (Qwen2ForProcessRewardModel)module;
        using var lm = PretrainedModel.LoadCausalLM(baseDir);
        var input = Encoder(t, readout).Encode(Sample);
        var ids = tensor(input.InputIds.Select(x => (long)x).ToArray(), [1, input.InputIds.Length]);
        var hidden = prm.Model.forward(ids);
        var got = prm.ScoreAt(hidden, ids, input.SegmentPositions.Select(p => (long)p).ToArray(), input.SegmentStarts?.Select(p => (long)p).ToArray()).ToFloatArray();

        // The same numbers by hand: the causal LM's log-softmax at t − 1, then Linear → ReLU → Linear on the host.
        var p = prm.named_parameters().ToDictionary(x => x.Name, x => x.Parameter.ToFloatArray());
        var logProbs = lm.forward(ids).log_softmax(-1).ToFloatArray();
        var states = hidden.ToFloatArray();
        int h = prm.Config.HiddenSize, v = prm.Config.VocabSize, inputs = h + (token ? 2 : 0) + (stepMin ? 2 : 0);
        Assert.Equal(h * inputs, p["score.0.weight"].Length);
        double LogProb(int at) => logProbs[(at - 1) * v + input.InputIds[at]];
        for (int k = 0; k < input.SegmentPositions.Length; k++)
        {
            int r = input.SegmentPositions[k];
            var x = states.AsSpan(r * h, h).ToArray().Select(f => (double)f).ToList();
            if (token) x.AddRange([Math.Max(LogProb(r), -20) / 5, Math.Exp(LogProb(r))]);
            if (stepMin)
            {
                double lowest = Enumerable.Range(input.SegmentStarts![k], r - input.SegmentStarts[k] + 1).Min(LogProb);
                x.AddRange([Math.Max(lowest, -20) / 5, Math.Exp(lowest)]);
            }
            var z = new double[h];
            for (int i = 0; i < h; i++)
            {
                double s = p["score.0.bias"][i];
                for (int j = 0; j < inputs; j++) s += p["score.0.weight"][i * inputs + j] * x[j];
                z[i] = Math.Max(0, s);
            }
            for (int c = 0; c < 2; c++)
            {
                double s = p["score.2.bias"][c];
                for (int i = 0; i < h; i++) s += p["score.2.weight"][c * h + i] * z[i];
                Assert.Equal(s, got[k * 2 + c], 4);
            }
        }
    }

    [Fact]
    public void Train_FrozenBaseStepEndReadout_KeepsTheDecoderAndWritesAPrmTheScorerReadsTheSameWay()
    {
        using var dir = new TempDir();
        ArithmeticSteps.Write(dir["train.jsonl"], ArithmeticSteps.Generate(24, seed: 2));
        Assert.Equal(StageOutcome.Completed, Recipes.Run(Recipes.Parse(dir, Yaml(dir)), new ResumeRequest.Fresh()).Outcome);

        var output = Output(dir);
        var readout = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "config.json")))![PrmReadout.ConfigKey]!;
        Assert.Equal("step_end", (string?)readout["at"]);
        Assert.Equal("\n\n", (string?)readout["separator_shown_as"]);
        Assert.True((bool)readout["token_likelihood"]!);

        // Every decoder tensor is the base's, bit for bit; the head trained.
        var baseDir = Path.Combine(dir["runs"], "prm", "prm", "builtin-tiny");
        using var trained = SafetensorsCheckpoint.Open(output);
        using var original = SafetensorsCheckpoint.Open(baseDir);
        var decoder = original.Names.Where(n => n.StartsWith("model.", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(decoder);
        foreach (var name in decoder) Assert.Equal(original.GetBytes(name).ToArray(), trained.GetBytes(name).ToArray());
        Assert.Equal([64L, 66L], trained.GetInfo("score.0.weight").Shape);
        var (fresh, _) = PrmModelFolder.Create(baseDir, PrmHead.TwoClass, StepEnd, ScalarType.Float32, Device.CPU, seed: 3);
        using (fresh)
            Assert.NotEqual(fresh.named_parameters().Single(p => p.Name == "score.0.weight").Parameter.ToFloatArray(), FloatsOf(trained, "score.0.weight"));

        using var scorer = PrmScorer.Load(output);
        Assert.Equal(StepEnd, scorer.Encoder.Readout);
        var score = scorer.Score([Sample])[0];
        Assert.Equal(2, score.StepScores.Count);
        Assert.All(score.StepScores, s => Assert.InRange(s, 0, 1));
    }

    [Fact]
    public void Train_FrozenBaseInterruptedThenResumed_EqualsUninterruptedRun()
    {
        using var straight = new TempDir();
        using var resumed = new TempDir();
        foreach (var d in new[] { straight, resumed }) ArithmeticSteps.Write(d["train.jsonl"], ArithmeticSteps.Generate(24, seed: 5));
        Assert.Equal(StageOutcome.Completed, Recipes.Run(Recipes.Parse(straight, Yaml(straight, steps: 4)), new ResumeRequest.Fresh()).Outcome);

        var recipe = Recipes.Parse(resumed, Yaml(resumed, steps: 4));
        Assert.Equal(StageOutcome.Interrupted, Recipes.Run(recipe, new ResumeRequest.Fresh(), interruptAfterFirst: true).Outcome);
        Assert.Equal(StageOutcome.Completed, Recipes.Run(recipe, new ResumeRequest.Auto()).Outcome);
        Assert.Equal(File.ReadAllBytes(Path.Combine(Output(straight), "model.safetensors")), File.ReadAllBytes(Path.Combine(Output(resumed), "model.safetensors")));
    }

    [Fact]
    public void Train_ContinuingAPrmThatReadsDifferently_FailsNamingTheFolder()
    {
        using var dir = new TempDir();
        ArithmeticSteps.Write(dir["train.jsonl"], ArithmeticSteps.Generate(8, seed: 2));
        var paperPrm = TinyPrm.Create(dir);
        var yaml = Yaml(dir).Replace("path: \"builtin:tiny\"", $"path: \"{paperPrm}\"");
        var e = Assert.Throws<InvalidDataException>(() => Recipes.Run(Recipes.Parse(dir, yaml), new ResumeRequest.Fresh()));
        Assert.Contains(paperPrm, e.Message);
        Assert.Contains("cannot change how it reads", e.Message);
    }

    [Theory]
    [InlineData("model: { path: \"builtin:tiny\", dtype: float32, gradient_checkpointing: true }", "model.gradient_checkpointing")]
    [InlineData("head: scalar", "readout")]
    [InlineData("readout: { separator_shown_as: \"\" }", "readout.separator_shown_as")]
    public void Validate_UnsupportedCombination_IsRefusedNamingTheKey(string replacement, string key)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["train.jsonl"], "");
        var lines = Yaml(dir).Split('\n').ToList();
        string field = replacement[..replacement.IndexOf(':')];
        int at = lines.FindIndex(l => l.TrimStart().StartsWith(field + ":", StringComparison.Ordinal));
        lines[at] = lines[at][..(lines[at].Length - lines[at].TrimStart().Length)] + replacement;
        var e = Assert.Throws<RecipeException>(() => Recipes.Parse(dir, string.Join('\n', lines)));
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void Readout_RoundTripsThroughConfigJson_AndAFolderWithoutItReadsAsThePaper()
    {
        var readout = StepEnd with { StepMinLikelihood = true };
        var config = readout.WriteTo(new JsonObject { ["hidden_size"] = 64 });
        Assert.Equal(64, (int)config["hidden_size"]!);
        Assert.Equal(readout, PrmReadout.FromConfig(config, "c.json"));
        Assert.Equal(PrmReadout.Paper, PrmReadout.FromConfig(new JsonObject { ["hidden_size"] = 64 }, "c.json"));
        Assert.False(PrmReadout.Paper.WriteTo(config).ContainsKey(PrmReadout.ConfigKey));
    }

    [Theory]
    [InlineData("""{"at": "middle"}""", "reasonflux_readout.at")]
    [InlineData("""{"token_likelihood": "yes"}""", "reasonflux_readout.token_likelihood")]
    [InlineData("""{"step_min_likelihood": 1}""", "reasonflux_readout.step_min_likelihood")]
    [InlineData("""{"separator_shown_as": ""}""", "reasonflux_readout.separator_shown_as")]
    [InlineData("""{"read_at": "step_end"}""", "read_at")]
    [InlineData("""[1]""", "must be an object")]
    public void Readout_BadConfigValue_FailsNamingFileAndKey(string value, string expected)
    {
        var config = new JsonObject { [PrmReadout.ConfigKey] = JsonNode.Parse(value) };
        var e = Assert.Throws<InvalidDataException>(() => PrmReadout.FromConfig(config, "m/config.json"));
        Assert.StartsWith("m/config.json", e.Message);
        Assert.Contains(expected, e.Message);
    }

    private static float[] FloatsOf(SafetensorsCheckpoint checkpoint, string name)
    {
        var bytes = checkpoint.GetBytes(name).ToArray();
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }
}
