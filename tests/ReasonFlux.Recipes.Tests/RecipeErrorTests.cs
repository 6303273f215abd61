using ReasonFlux.Recipes.Loading;
using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Recipes.Tests;

public class RecipeErrorTests
{
    private const string Grpo = """
        kind: grpo
        model:
          path: builtin:tiny
        data:
          train: prompts.jsonl
        """;

    private static RecipeException Fail(string yaml, params string[] overrides) =>
        Assert.Throws<RecipeException>(() => RecipeLoader.Parse(yaml, "r.yaml", overrides));

    private static RecipeError Single(string yaml, params string[] overrides)
    {
        var e = Fail(yaml, overrides);
        Assert.True(e.Errors.Count == 1, e.Message);
        return e.Errors[0];
    }

    [Fact]
    public void Parse_MisspeltKey_ReportsDidYouMeanWithLineAndColumn()
    {
        var error = Single(Grpo + "\nrollout:\n  group_sise: 4\n");
        Assert.Equal(new SourceLocation("r.yaml", 7, 3), error.Location);
        Assert.Equal("rollout.group_sise", error.KeyPath);
        Assert.Contains("did you mean \"group_size\"?", error.Message);
        Assert.StartsWith("r.yaml:7:3: rollout.group_sise: unknown key", error.ToString());
    }

    [Fact]
    public void Parse_KeyInWrongSection_SaysWhereItBelongs()
    {
        var error = Single(Grpo + "\noptimizer:\n  group_size: 4\n");
        Assert.Equal(7, error.Location.Line);
        Assert.Contains("it belongs at rollout.group_size", error.Message);
    }

    [Fact]
    public void Parse_QuotedNumberForInteger_ReportsWrongTypeAtValue()
    {
        var error = Single(Grpo + "\nrollout:\n  group_size: \"8\"\n");
        Assert.Equal(new SourceLocation("r.yaml", 7, 15), error.Location);
        Assert.Contains("expected an integer, got the string \"8\"", error.Message);
    }

    [Theory]
    [InlineData("rollout:\n  temperature: hot\n", 7, 16, "expected a number")]
    [InlineData("data:\n  train: p.jsonl\n  shuffle: yes\n", 7, 12, "expected true or false")]
    [InlineData("rollout: 3\n", 6, 10, "expected a mapping of keys")]
    [InlineData("rollout:\n  group_size: [1, 2]\n", 7, 15, "got a list")]
    [InlineData("training:\n  steps: null\n", 7, 10, "must not be null")]
    public void Parse_WrongType_ReportsExpectedTypeAtValue(string section, int line, int column, string message)
    {
        var yaml = Grpo.Replace("data:\n  train: prompts.jsonl", section.StartsWith("data") ? "" : "data:\n  train: prompts.jsonl") + "\n" + section;
        var e = Fail(yaml);
        var error = Assert.Single(e.Errors, x => x.Message.Contains(message));
        Assert.Equal((line, column), (error.Location.Line, error.Location.Column));
    }

    [Theory]
    [InlineData("rollout:\n  group_size: 1\n", "rollout.group_size", 7, 15, "expected [2, 1024]")]
    [InlineData("rollout:\n  top_p: 0\n", "rollout.top_p", 7, 10, "expected (0, 1]")]
    [InlineData("optimizer:\n  lr: -1e-6\n", "optimizer.lr", 7, 7, "expected (0, 1]")]
    [InlineData("checkpoint:\n  keep_last: 0\n", "checkpoint.keep_last", 7, 14, "expected ≥ 1")]
    public void Parse_OutOfRange_ReportsRangeAtValue(string section, string key, int line, int column, string message)
    {
        var error = Single(Grpo + "\n" + section);
        Assert.Equal(key, error.KeyPath);
        Assert.Equal((line, column), (error.Location.Line, error.Location.Column));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Parse_UnknownEnumValue_SuggestsClosest()
    {
        var error = Single(Grpo + "\nalgorithm:\n  loss_aggregation: tokens\n");
        Assert.Equal(new SourceLocation("r.yaml", 7, 21), error.Location);
        Assert.Contains("did you mean \"token\"?", error.Message);
        Assert.Contains("token, sequence, seq_sum_norm", error.Message);
    }

    [Fact]
    public void Parse_EnumWithUnderscore_SuggestsKebabSpelling()
    {
        var error = Single(Grpo + "\nreward:\n  process_weight: 0.5\n  prm:\n    path: prm\n    mode: released_code\n");
        Assert.Contains("did you mean \"released-code\"?", error.Message);
        Assert.Equal(10, error.Location.Line);
    }

    [Fact]
    public void Parse_MissingRequiredKey_PointsAtItsSection()
    {
        var error = Single("kind: grpo\nmodel:\n  path: m\ndata:\n  shuffle: false\n");
        Assert.Equal("data.train", error.KeyPath);
        Assert.Equal(new SourceLocation("r.yaml", 5, 3), error.Location);
        Assert.Contains("missing required key \"train\"", error.Message);
    }

    [Fact]
    public void Parse_MissingSectionWithRequiredKey_ReportsDottedKey()
    {
        var error = Single("kind: grpo\nmodel:\n  path: m\n");
        Assert.Equal("data.train", error.KeyPath);
        Assert.Equal(1, error.Location.Line);
    }

    [Fact]
    public void Parse_CrossFieldRule_ReportsAtNamedKey()
    {
        var error = Single(Grpo + "\nreward:\n  process_weight: 0.75\n");
        Assert.Equal("reward.prm.path", error.KeyPath);
        Assert.Equal(7, error.Location.Line); // the reward mapping: prm was not written
        Assert.Contains("no PRM is set", error.Message);
    }

    [Fact]
    public void Parse_BatchNotDividingSequences_ReportsGradAccumulation()
    {
        var error = Single(Grpo + "\nrollout:\n  group_size: 6\n  prompts_per_step: 32\ntraining:\n  micro_batch_size: 5\n  grad_accumulation: 4\n");
        Assert.Equal("training.grad_accumulation", error.KeyPath);
        Assert.Equal(new SourceLocation("r.yaml", 11, 22), error.Location);
        Assert.Contains("= 20 must divide the 192 sequences", error.Message);
    }

    [Fact]
    public void Parse_UnknownStageKind_SuggestsClosest()
    {
        var error = Single("stages:\n  - kind: gpro\n");
        Assert.Equal(new SourceLocation("r.yaml", 2, 11), error.Location);
        Assert.Contains("did you mean \"grpo\"?", error.Message);
    }

    [Fact]
    public void Parse_MalformedYaml_ReportsLineAndColumn()
    {
        var error = Single("kind: grpo\nmodel:\n  path: [unclosed\n");
        Assert.Equal("r.yaml", error.Location.Source);
        Assert.Equal(4, error.Location.Line);
        Assert.StartsWith("malformed YAML", error.Message);
    }

    [Fact]
    public void Parse_BadIndentation_ReportsLineAndColumn()
    {
        var error = Single("kind: grpo\nmodel:\n  path: m\n   dtype: float32\n");
        Assert.Equal(4, error.Location.Line);
        Assert.StartsWith("malformed YAML", error.Message);
    }

    [Fact]
    public void Parse_DuplicateKey_ReportsSecondOccurrence()
    {
        var error = Single(Grpo + "\nrollout:\n  group_size: 4\n  group_size: 8\n");
        Assert.Equal(8, error.Location.Line);
        Assert.Contains("Duplicate key", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Parse_SeveralProblems_ReportsAllInFileOrder()
    {
        var e = Fail(Grpo + "\nrollout:\n  group_size: 1\n  temprature: 1.0\noptimizer:\n  lr: fast\n");
        Assert.Equal([7, 8, 10], e.Errors.Select(x => x.Location.Line));
        Assert.StartsWith("3 errors in recipe:", e.Message);
    }

    [Fact]
    public void Parse_ReferenceToLaterStage_IsAnError()
    {
        var e = Fail("""
            stages:
              - kind: grpo
                model:
                  path: "${stages.sft.output}"
                data:
                  train: p.jsonl
              - kind: sft
                model:
                  path: m
                data:
                  train: s.jsonl
            """);
        var error = Assert.Single(e.Errors);
        Assert.Equal(new SourceLocation("r.yaml", 4, 13), error.Location);
        Assert.Contains("\"sft\", which is not an earlier stage", error.Message);
    }

    [Fact]
    public void Parse_UnknownReferenceForm_IsAnError()
    {
        var error = Single("kind: eval\nmodel:\n  path: ${run.dir}/m\n");
        Assert.Contains("the only form is ${stages.NAME.output}", error.Message);
    }

    [Fact]
    public void Parse_DuplicateStageNames_IsAnError()
    {
        var error = Single("stages:\n  - kind: eval\n    model: {path: a}\n  - kind: eval\n    model: {path: b}\n");
        Assert.Equal(4, error.Location.Line);
        Assert.Contains("two stages are named \"eval\"", error.Message);
    }

    [Fact]
    public void Parse_StageKeyAtPipelineTopLevel_SaysToMoveIt()
    {
        var error = Single("stages:\n  - kind: eval\n    model: {path: a}\nrollout: {}\n");
        Assert.Equal(new SourceLocation("r.yaml", 4, 1), error.Location);
        Assert.Contains("stage keys go inside an entry of stages:", error.Message);
    }

    [Fact]
    public void Parse_UnknownBenchmark_SuggestsClosest()
    {
        var error = Single("kind: eval\nmodel: {path: a}\nbenchmark: math-500\n");
        Assert.Contains("did you mean \"math500\"?", error.Message);
        Assert.Equal(3, error.Location.Line);
    }

    [Fact]
    public void Parse_TwoDocuments_IsAnError()
    {
        var error = Single("kind: eval\nmodel: {path: a}\n---\nkind: sft\n");
        Assert.Contains("one YAML document", error.Message);
    }

    [Fact]
    public void FindMissing_MissingFilesAndModel_ReportedAtTheirKeys()
    {
        var dir = Directory.CreateTempSubdirectory("rf-recipe-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "policy")); // a folder without config.json
            var recipe = RecipeLoader.Parse("""
                kind: grpo
                model:
                  path: policy
                data:
                  train: missing.jsonl
                reward:
                  process_weight: 0.5
                  prm:
                    path: builtin:tiny-prm
                """, "r.yaml");
            var errors = RecipeFileCheck.FindMissing(recipe, dir);
            Assert.Equal(2, errors.Count);
            Assert.Equal(new SourceLocation("r.yaml", 3, 9), errors[0].Location);
            Assert.Equal("model.path", errors[0].KeyPath);
            Assert.Contains("model folder policy has no config.json", errors[0].Message);
            Assert.Equal(new SourceLocation("r.yaml", 5, 10), errors[1].Location);
            Assert.Contains("file not found: missing.jsonl", errors[1].Message);

            File.WriteAllText(Path.Combine(dir, "policy", "config.json"), "{}");
            File.WriteAllText(Path.Combine(dir, "missing.jsonl"), "{}\n");
            Assert.Empty(RecipeFileCheck.FindMissing(recipe, dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void FindMissing_OutputOfEarlierStage_IsNotRequiredToExist()
    {
        var recipe = RecipeLoader.Parse("""
            stages:
              - kind: sft
                model: {path: "builtin:tiny"}
                data: {train: s.jsonl}
              - kind: eval
                model:
                  path: "${stages.sft.output}"
            """, "r.yaml");
        var errors = RecipeFileCheck.FindMissing(recipe, Path.GetTempPath());
        var error = Assert.Single(errors);
        Assert.Equal("stages.sft.data.train", error.KeyPath);
    }
}
