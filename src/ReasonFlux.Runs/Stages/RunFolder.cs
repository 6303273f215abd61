using System.Text.Json;
using ReasonFlux.Recipes;
using ReasonFlux.Recipes.Loading;

namespace ReasonFlux.Runs;

/// <summary>
/// A run folder, <c>OUTPUT_DIR/RUN_NAME/</c> (checkpoints/README.md): the resolved <c>recipe.yaml</c>,
/// <c>run.log</c>, and one <see cref="StageFolder"/> per stage.
/// </summary>
public sealed class RunFolder
{
    public const string RecipeFileName = "recipe.yaml";
    public const string LogFileName = "run.log";

    private RunFolder(string path) => Path = path;

    /// <summary>The run folder.</summary>
    public string Path { get; }

    public string RecipePath => System.IO.Path.Combine(Path, RecipeFileName);
    public string LogPath => System.IO.Path.Combine(Path, LogFileName);

    /// <summary>True when a run was started in <paramref name="path"/> (it holds a recipe.yaml).</summary>
    public static bool Exists(string path) => File.Exists(System.IO.Path.Combine(path, RecipeFileName));

    /// <summary>
    /// Creates or reopens the run folder of <paramref name="recipe"/> and writes the resolved recipe.
    /// A new run in a folder that already holds one is an error unless <paramref name="resuming"/>. Returns
    /// the lines of the previous recipe.yaml that changed (empty when new or unchanged).
    /// </summary>
    public static RunFolder Open(Recipe recipe, bool resuming, out IReadOnlyList<string> recipeChanges)
    {
        var path = recipe.RunDirectory;
        if (!resuming && Exists(path))
            throw new InvalidDataException($"{path}: a run with this name already exists; continue it with --resume auto, or pick another run_name (--set run_name=NAME)");
        Directory.CreateDirectory(path);
        var folder = new RunFolder(path);
        var yaml = RecipeWriter.Write(recipe);
        recipeChanges = [];
        if (File.Exists(folder.RecipePath))
        {
            var before = File.ReadAllLines(folder.RecipePath).Skip(1).ToList(); // line 1 names the source file
            var after = yaml.Split('\n').Skip(1).Where(l => l.Length > 0).ToList();
            recipeChanges = after.Except(before).Select(l => "now: " + l.Trim()).Concat(before.Except(after).Select(l => "was: " + l.Trim())).ToList();
        }
        var tmp = folder.RecipePath + ".tmp";
        File.WriteAllText(tmp, yaml);
        File.Move(tmp, folder.RecipePath, overwrite: true);
        return folder;
    }

    /// <summary>The run folder of <paramref name="recipe"/> as another rank sees it: rank 0 created it, nothing is written here.</summary>
    public static RunFolder Attach(Recipe recipe) => new(recipe.RunDirectory);

    /// <summary>The folder of one stage.</summary>
    public StageFolder Stage(string name) => new(System.IO.Path.Combine(Path, name));
}

/// <summary>
/// One stage's folder: <c>metrics.jsonl</c>, TensorBoard event files, <c>step-N/</c> checkpoints and
/// <c>latest</c>, the <c>output/</c> folder later stages read, and a <c>COMPLETE</c> marker once it finished.
/// </summary>
public sealed class StageFolder
{
    public const string CompleteFileName = "COMPLETE";
    public const string OutputFolderName = "output";

    public StageFolder(string path) => Path = path;

    public string Path { get; }

    /// <summary>Where the stage writes its result (a model folder, selected.jsonl, eval results).</summary>
    public string OutputDirectory => System.IO.Path.Combine(Path, OutputFolderName);

    public string MetricsPath => System.IO.Path.Combine(Path, MetricsLogger.FileName);

    /// <summary>True once the stage finished and its output was checked.</summary>
    public bool IsComplete => File.Exists(System.IO.Path.Combine(Path, CompleteFileName));

    /// <summary>Wall seconds the completed stage ran (its last attempt, on resume), from the COMPLETE marker; null when unknown.</summary>
    public double? Seconds
    {
        get
        {
            var path = System.IO.Path.Combine(Path, CompleteFileName);
            if (!File.Exists(path)) return null;
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.TryGetProperty("seconds", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetDouble() : null;
        }
    }

    internal void MarkComplete(long? finalStep, double seconds)
    {
        var text = JsonSerializer.Serialize(new { completed_utc = DateTimeOffset.UtcNow, final_step = finalStep, seconds = Math.Round(seconds, 3) });
        var tmp = System.IO.Path.Combine(Path, CompleteFileName + ".tmp");
        File.WriteAllText(tmp, text + "\n");
        File.Move(tmp, System.IO.Path.Combine(Path, CompleteFileName), overwrite: true);
    }

    internal void ClearComplete()
    {
        // A new run resumed from another run's checkpoint has no folder for the stage yet: nothing to clear.
        if (Directory.Exists(Path)) File.Delete(System.IO.Path.Combine(Path, CompleteFileName));
    }
}
