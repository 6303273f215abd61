using ReasonFlux.Recipes.Loading;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Recipes.Tests;

public class RecipeFilesTests
{
    public static TheoryData<string> RecipeFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(RepoPaths.Recipes, "*.yaml").Order()) data.Add(Path.GetFileName(f));
        return data;
    }

    [Theory]
    [MemberData(nameof(RecipeFiles))]
    public void Load_ShippedRecipe_Validates(string file)
    {
        var recipe = RecipeLoader.Load(Path.Combine(RepoPaths.Recipes, file));
        Assert.NotEmpty(recipe.Stages);
        Assert.Equal(Path.GetFileNameWithoutExtension(file), recipe.RunName);
    }

    [Fact]
    public void RecipesFolder_HoldsTheDocumentedExamples()
    {
        var names = Directory.GetFiles(RepoPaths.Recipes, "*.yaml").Select(Path.GetFileName).ToHashSet();
        Assert.Superset(new HashSet<string?> { "quickstart.yaml", "grpo-reasonflux-prm-7b.yaml", "select-data.yaml", "prm-train.yaml" }, names);
    }

    [Fact]
    public void FindMissing_Quickstart_OnlyNeedsShippedFiles()
    {
        var recipe = RecipeLoader.Load(Path.Combine(RepoPaths.Recipes, "quickstart.yaml"));
        Assert.Empty(RecipeFileCheck.FindMissing(recipe, RepoPaths.Root));
        Assert.Equal([StageKind.Data, StageKind.Sft, StageKind.Label, StageKind.Prm, StageKind.Select, StageKind.Select, StageKind.Sft, StageKind.Sft,
            StageKind.Grpo, StageKind.Grpo, StageKind.Eval, StageKind.Eval, StageKind.Eval, StageKind.Eval, StageKind.Eval, StageKind.Report],
            recipe.Stages.Select(s => s.Kind));
    }

    [Fact]
    public void Load_PaperGrpoRecipe_HasThePapersHyperparameters()
    {
        var g = (GrpoOptions)RecipeLoader.Load(Path.Combine(RepoPaths.Recipes, "grpo-reasonflux-prm-7b.yaml")).Stages[0];
        Assert.Equal((6, 32, 16384), (g.Rollout.GroupSize, g.Rollout.PromptsPerStep, g.Rollout.MaxNewTokens));
        Assert.Equal((0.25, 0.75, PrmMode.ReleasedCode), (g.Reward.OutcomeWeight, g.Reward.ProcessWeight, g.Reward.Prm.Mode));
        Assert.Equal((1e-6, LrSchedule.Constant, 0.01), (g.Optimizer.Lr, g.Optimizer.Schedule, g.Optimizer.WeightDecay));
        Assert.Equal((0.001, KlEstimator.K3, 0.2, 0.2, 3.0), (g.Algorithm.BetaKl, g.Algorithm.KlEstimator, g.Algorithm.ClipEpsilonLow, g.Algorithm.ClipEpsilonHigh, g.Algorithm.DualClip));
        Assert.Equal(LossAggregation.Token, g.Algorithm.LossAggregation);
        Assert.Equal(1, g.UpdatesPerStep);
    }

    [Fact]
    public void Write_ThenParse_GivesTheSameRecipe()
    {
        foreach (var file in Directory.GetFiles(RepoPaths.Recipes, "*.yaml"))
        {
            var recipe = RecipeLoader.Load(file);
            var yaml = RecipeWriter.Write(recipe);
            var again = RecipeLoader.Parse(yaml, file);
            Assert.Equal(recipe.Header, again.Header);
            Assert.Equal(recipe.Stages, again.Stages);
            Assert.Equal(yaml, RecipeWriter.Write(again));
        }
    }

    [Fact]
    public void Write_EscapesStringsThatLookLikeOtherTypes()
    {
        var recipe = RecipeLoader.Parse("kind: prm\nmodel: {path: \"123\"}\nstep_separator: \"\\n\\n: #\"\ndata: {train: \"true\"}\n", "x.yaml");
        var again = RecipeLoader.Parse(RecipeWriter.Write(recipe), "x.yaml");
        var prm = (PrmTrainOptions)again.Stages[0];
        Assert.Equal(("123", "\n\n: #", "true"), (prm.Model.Path, prm.StepSeparator, prm.Data.Train));
    }

    [Fact]
    public void ReferenceDoc_MatchesGeneratedText()
    {
        var path = Path.Combine(RepoPaths.Recipes, "REFERENCE.md");
        var generated = RecipeReference.Markdown();
        if (Environment.GetEnvironmentVariable("REASONFLUX_UPDATE_REFERENCE") == "1") File.WriteAllText(path, generated);
        Assert.True(File.Exists(path), "recipes/REFERENCE.md is missing; regenerate it (see the test)");
        Assert.Equal(generated, File.ReadAllText(path));
    }

    [Fact]
    public void Defaults_AreWithinDeclaredRanges()
    {
        foreach (var kind in Enum.GetValues<StageKind>())
            Check(StageOptions.TypeOf(kind), Activator.CreateInstance(StageOptions.TypeOf(kind))!, kind.ToString());

        static void Check(Type type, object instance, string path)
        {
            foreach (var p in SchemaProperty.For(type))
            {
                var v = p.Property.GetValue(instance);
                if (p.Kind == SchemaValueKind.Section) Check(p.ValueType, v!, path + "." + p.Name);
                else if (p.Range is not null && v is not null)
                    Assert.True(p.Range.Contains(Convert.ToDouble(v)), $"{path}.{p.Name} default {v} outside {p.Range.Describe()}");
                Assert.False(string.IsNullOrEmpty(p.Doc) && p.Kind != SchemaValueKind.Section, $"{path}.{p.Name} has no [Doc]");
            }
        }
    }

    [Theory]
    [InlineData("group_sise", "group_size")]
    [InlineData("temprature", "temperature")]
    [InlineData("top-p", "top_p")]
    [InlineData("clip_epsilon_hgih", "clip_epsilon_high")]
    public void Suggest_Typo_FindsIntendedKey(string typo, string expected) =>
        Assert.Equal(expected, KeySuggester.Suggest(typo, ["group_size", "temperature", "top_p", "top_k", "clip_epsilon_low", "clip_epsilon_high"]));

    [Fact]
    public void Suggest_UnrelatedWord_ReturnsNull() =>
        Assert.Null(KeySuggester.Suggest("banana", ["group_size", "temperature"]));

    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("ab", "ba", 1)]
    [InlineData("", "abc", 3)]
    public void Distance_KnownPairs(string a, string b, int expected) => Assert.Equal(expected, KeySuggester.Distance(a, b));
}
