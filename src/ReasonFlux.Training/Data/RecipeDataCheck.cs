using ReasonFlux.Grading.Datasets;
using ReasonFlux.IO;
using ReasonFlux.Recipes;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Training.Grpo;
using ReasonFlux.Training.Label;
using ReasonFlux.Training.Prm;
using ReasonFlux.Training.Select;
using ReasonFlux.Training.Sft;

namespace ReasonFlux.Training.Data;

/// <summary>What <see cref="RecipeDataCheck.Check"/> found: errors (file:line) and notes on the files it could not read yet.</summary>
public sealed record DataCheckResult(IReadOnlyList<string> Errors, IReadOnlyList<string> Notes);

/// <summary>
/// <c>train --dry-run</c>'s look inside the data files a recipe names: the first <see cref="LinesChecked"/> lines of each
/// are read through the same per-line readers the stages use (so a field the stage requires is required here too,
/// with the same file:line message), before any model is loaded. Files another stage of the recipe writes
/// (<c>${stages.NAME.output}/…</c>) do not exist yet and are skipped with a note; missing files are the file check's
/// (<see cref="ReasonFlux.Recipes.Loading.RecipeFileCheck"/>) to report.
/// </summary>
public static class RecipeDataCheck
{
    /// <summary>Lines read per file: enough to catch a wrong file or wrong keys, cheap on a large set.</summary>
    public const int LinesChecked = 100;

    public static DataCheckResult Check(Recipe recipe, string? baseDirectory = null)
    {
        var root = baseDirectory ?? Environment.CurrentDirectory;
        var errors = new List<string>();
        var notes = new List<string>();
        foreach (var stage in recipe.Stages)
        {
            foreach (var (key, path, readLine) in FilesOf(stage))
            {
                var fullKey = Recipe.StageKeyPrefix(stage.Name) + key;
                var shownKey = recipe.Stages.Count == 1 ? key : fullKey; // as the recipe file check names keys
                if (recipe.ProducedPaths.Contains(fullKey))
                {
                    notes.Add($"{shownKey} ({path}) is written by stage \"{ProducerOf(recipe, path)}\" during the run: not checked now");
                    continue;
                }
                var full = Path.Combine(root, path);
                if (!File.Exists(full)) continue;
                if (CheckLines(full, readLine) is { } error) errors.Add($"{error} ({shownKey})");
            }
        }
        return new DataCheckResult(errors, notes);
    }

    /// <summary>The data files of a stage: recipe key, path, and the stage's reader of one line.</summary>
    private static IEnumerable<(string Key, string Path, Action<JsonlRecord> ReadLine)> FilesOf(StageOptions stage)
    {
        switch (stage)
        {
            case SftOptions s:
                yield return ("data.train", s.Data.Train, r => SftDataset.ReadFields(r, s.Data));
                if (s.Data.Eval is { } sftEval) yield return ("data.eval", sftEval, r => SftDataset.ReadFields(r, s.Data));
                break;
            case PrmTrainOptions p:
                yield return ("data.train", p.Data.Train, r => PrmTrainingSet.ReadFields(r, p.Data));
                if (p.Data.Eval is { } prmEval) yield return ("data.eval", prmEval, r => PrmTrainingSet.ReadFields(r, p.Data));
                break;
            case GrpoOptions g:
                yield return ("data.train", g.Data.Train, r => GrpoRunner.ReadPromptFields(r, g.Data));
                if (g.Eval.Every > 0 && BenchmarkNames.IsFile(g.Eval.Benchmark))
                    yield return ("eval.benchmark", g.Eval.Benchmark, r => BenchmarkDataset.ReadItem(r));
                break;
            case SelectOptions sel:
                var keys = new SelectionKeys(sel.Data.QuestionKey, sel.Data.TrajectoryKey, sel.Data.ResponseKey);
                yield return ("data.pool", sel.Data.Pool, r => SelectionPool.ToItem(r, keys, sel.Prm.StepSeparator));
                break;
            case LabelOptions l:
                yield return ("data.problems", l.Data.Problems, r => LabelProblems.Read(r, l.Task));
                break;
            case EvalOptions e when BenchmarkNames.IsFile(e.Benchmark):
                yield return ("benchmark", e.Benchmark, r => BenchmarkDataset.ReadItem(r));
                break;
        }
    }

    /// <summary>The first error in the file's first lines (or an empty file), null when they read.</summary>
    private static string? CheckLines(string path, Action<JsonlRecord> readLine)
    {
        try
        {
            int read = 0;
            foreach (var record in JsonlReader.Read(path).Take(LinesChecked))
            {
                readLine(record);
                read++;
            }
            return read == 0 ? $"{path}: no records (the file is empty)" : null;
        }
        catch (InvalidDataException e)
        {
            return e.Message;
        }
    }

    private static string ProducerOf(Recipe recipe, string path)
    {
        var full = Path.GetFullPath(path);
        var producer = recipe.Stages.FirstOrDefault(s =>
            full.StartsWith(Path.GetFullPath(recipe.StageDirectory(s.Name)) + Path.DirectorySeparatorChar, StringComparison.Ordinal));
        return producer?.Name ?? "an earlier stage";
    }
}
