using ReasonFlux.Recipes.Options;
using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Recipes;

/// <summary>
/// A loaded, validated recipe: run-level settings plus one or more stages, in order. Produced by
/// <see cref="Loading.RecipeLoader"/>; every value has been type- and range-checked, and
/// <c>${stages.NAME.output}</c> references have been replaced by the producing stage's output folder.
/// </summary>
public sealed class Recipe
{
    internal Recipe(string sourcePath, RecipeHeader header, IReadOnlyList<StageOptions> stages,
        IReadOnlyDictionary<string, SourceLocation> locations, IReadOnlySet<string> producedPaths)
    {
        SourcePath = sourcePath;
        Header = header;
        Stages = stages;
        Locations = locations;
        ProducedPaths = producedPaths;
    }

    /// <summary>The recipe file it was loaded from.</summary>
    public string SourcePath { get; }

    /// <summary>run_name, output_dir, description.</summary>
    public RecipeHeader Header { get; }

    public string RunName => Header.RunName;

    /// <summary>The run folder: output_dir/run_name.</summary>
    public string RunDirectory => Path.Combine(Header.OutputDir, Header.RunName);

    /// <summary>The stages, in execution order. Cast to the concrete record by <see cref="StageOptions.Kind"/>.</summary>
    public IReadOnlyList<StageOptions> Stages { get; }

    /// <summary>Where each key path (e.g. "stages.grpo.rollout.group_size") was written, for error messages.</summary>
    public IReadOnlyDictionary<string, SourceLocation> Locations { get; }

    /// <summary>Key paths whose value is another stage's output (they do not exist before the run).</summary>
    public IReadOnlySet<string> ProducedPaths { get; }

    /// <summary>The stage named <paramref name="name"/>.</summary>
    public StageOptions GetStage(string name) =>
        Stages.FirstOrDefault(s => s.Name == name)
        ?? throw new ArgumentException($"recipe {SourcePath} has no stage named \"{name}\" (stages: {string.Join(", ", Stages.Select(s => s.Name))})");

    /// <summary>The folder of one stage inside the run folder: output_dir/run_name/NAME.</summary>
    public string StageDirectory(string stageName) => Path.Combine(RunDirectory, stageName);

    /// <summary>The key path prefix of a stage ("stages.NAME.").</summary>
    public static string StageKeyPrefix(string stageName) => $"stages.{stageName}.";

    /// <summary>The text a <c>${stages.NAME.output}</c> reference is replaced with.</summary>
    public static string StageOutputPath(string outputDir, string runName, string stageName) =>
        $"{outputDir.TrimEnd('/', '\\')}/{runName}/{stageName}/output";

    /// <summary>Best known location for a key path: the key itself, else its nearest written ancestor, else the file.</summary>
    public SourceLocation LocationOf(string keyPath)
    {
        for (var p = keyPath; p.Length > 0; p = p.Contains('.') ? p[..p.LastIndexOf('.')] : "")
            if (Locations.TryGetValue(p, out var loc)) return loc;
        return new SourceLocation(SourcePath, 1, 1);
    }
}

/// <summary>Run-level keys of a recipe.</summary>
public sealed record RecipeHeader
{
    [Doc("Run folder name under output_dir. Default: the recipe file name without extension.")]
    public string RunName { get; init; } = "";

    [Doc("Parent folder of run folders.")]
    public string OutputDir { get; init; } = "checkpoints";

    [Doc("Free text shown in --dry-run and kept in the resolved recipe.")]
    public string? Description { get; init; }

    /// <summary>Data-parallel settings; they apply when the run has more than one process.</summary>
    public DistributedOptions Distributed { get; init; } = new();
}
