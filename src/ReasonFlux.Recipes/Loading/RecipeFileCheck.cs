using ReasonFlux.Recipes.Options;
using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Recipes.Loading;

/// <summary>
/// The second validation step: every path key (<see cref="PathAttribute"/>) must exist, except values that
/// are another stage's output (<c>${stages.NAME.output}</c>, created by the run) and <c>builtin:</c> models.
/// Kept separate from loading so recipes that name user-downloaded models can be validated without them.
/// </summary>
public static class RecipeFileCheck
{
    /// <summary>Prefix of a model embedded in reasonflux; such paths are not looked up on disk.</summary>
    public const string BuiltinPrefix = "builtin:";

    /// <summary>All missing files and folders, each at the line and column of its key.</summary>
    /// <param name="recipe">A loaded recipe.</param>
    /// <param name="baseDirectory">Folder relative paths resolve against; default: the working directory.</param>
    public static IReadOnlyList<RecipeError> FindMissing(Recipe recipe, string? baseDirectory = null)
    {
        var root = baseDirectory ?? Environment.CurrentDirectory;
        var errors = new List<RecipeError>();
        foreach (var stage in recipe.Stages)
        {
            var prefix = Recipe.StageKeyPrefix(stage.Name);
            Walk(stage.GetType(), stage, prefix, recipe, root, errors);
            var benchmark = stage switch
            {
                EvalOptions e => (e.Benchmark, "benchmark"),
                GrpoOptions g when g.Eval.Every > 0 => (g.Eval.Benchmark, "eval.benchmark"),
                _ => ((string?)null, ""),
            };
            if (benchmark.Item1 is { } b && BenchmarkNames.IsFile(b) && !recipe.ProducedPaths.Contains(prefix + benchmark.Item2) && !File.Exists(Path.Combine(root, b)))
                errors.Add(Missing(recipe, prefix + benchmark.Item2, $"benchmark file not found: {b}", root));
            if (stage is EvalOptions { GpqaCsv: { Length: > 0 } csv })
            {
                var full = Path.Combine(root, csv);
                var problem = File.Exists(full) ? GpqaHeaderProblem(full) : $"file not found: {csv}; " + BenchmarkNames.GpqaCsvHelp;
                // Replaces the generic "file not found" of the path walk with one that says where the file comes from.
                errors.RemoveAll(e => e.KeyPath.EndsWith("gpqa_csv", StringComparison.Ordinal) && e.Location == recipe.LocationOf(prefix + "gpqa_csv"));
                if (problem is not null) errors.Add(Missing(recipe, prefix + "gpqa_csv", problem, root));
            }
        }
        return errors;
    }

    /// <summary>Throws a <see cref="RecipeException"/> naming every missing path.</summary>
    public static void EnsureExists(Recipe recipe, string? baseDirectory = null)
    {
        var errors = FindMissing(recipe, baseDirectory);
        if (errors.Count > 0) throw new RecipeException(errors);
    }

    private static void Walk(Type type, object record, string prefix, Recipe recipe, string root, List<RecipeError> errors)
    {
        foreach (var prop in SchemaProperty.For(type))
        {
            var value = prop.Property.GetValue(record);
            var key = prefix + prop.Name;
            if (prop.Kind == SchemaValueKind.Section && value is not null)
            {
                Walk(prop.ValueType, value, key + ".", recipe, root, errors);
                continue;
            }
            if (prop.PathKind is not { } kind || value is not string path || path.Length == 0 || recipe.ProducedPaths.Contains(key))
                continue;
            var full = Path.Combine(root, path);
            var problem = kind switch
            {
                PathKind.File when !File.Exists(full) => Directory.Exists(full) ? $"{path} is a folder, expected a file" : $"file not found: {path}",
                PathKind.Directory when !Directory.Exists(full) => $"folder not found: {path}",
                PathKind.Model => ModelProblem(path, full),
                _ => null,
            };
            if (problem is not null) errors.Add(Missing(recipe, key, problem, root));
        }
    }

    /// <summary>
    /// Reads only the header row of the GPQA CSV (so --dry-run catches a wrong file before any model loads); the full
    /// parse with line numbers happens when the stage runs. Null when every required column is there.
    /// </summary>
    private static string? GpqaHeaderProblem(string path)
    {
        string? header;
        using (var reader = new StreamReader(path))
            header = reader.ReadLine();
        if (header is null) return $"{path}: empty file, expected the GPQA header row; " + BenchmarkNames.GpqaCsvHelp;
        var columns = SplitCsvHeader(header.TrimStart('\uFEFF'));
        var missing = BenchmarkNames.GpqaColumns.Where(c => !columns.Contains(c)).ToList();
        return missing.Count == 0 ? null
            : $"{path} is not the GPQA CSV: missing column(s) {string.Join(", ", missing.Select(m => $"\"{m}\""))}; " + BenchmarkNames.GpqaCsvHelp;
    }

    /// <summary>Header fields of one CSV line (RFC 4180 quotes; a header never spans lines).</summary>
    private static HashSet<string> SplitCsvHeader(string line)
    {
        var fields = new HashSet<string>(StringComparer.Ordinal);
        var field = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(field.ToString().Trim()); field.Clear(); }
            else field.Append(c);
        }
        fields.Add(field.ToString().Trim());
        return fields;
    }

    private static string? ModelProblem(string path, string full)
    {
        if (path.StartsWith(BuiltinPrefix, StringComparison.Ordinal)) return null;
        if (!Directory.Exists(full)) return File.Exists(full) ? $"{path} is a file, expected a model folder" : $"model folder not found: {path}";
        if (!File.Exists(Path.Combine(full, "config.json"))) return $"model folder {path} has no config.json";
        return null;
    }

    private static RecipeError Missing(Recipe recipe, string key, string message, string root)
    {
        var shown = key.StartsWith(Recipe.StageKeyPrefix(recipe.Stages[0].Name), StringComparison.Ordinal) && recipe.Stages.Count == 1
            ? key[Recipe.StageKeyPrefix(recipe.Stages[0].Name).Length..] : key;
        return new RecipeError(recipe.LocationOf(key), shown, message + $" (relative paths resolve against {root})");
    }
}
