using ReasonFlux.Grading.Datasets;
using ReasonFlux.Recipes.Options;

namespace ReasonFlux.Training.Eval;

/// <summary>
/// The problems of one evaluation: a shipped benchmark (math500, aime24, aime25, amc23), GPQA-Diamond from the
/// user's own copy of the official CSV, or any JSONL with "problem" and "answer" fields.
/// </summary>
/// <param name="Name">Short name used in metric names and reports ("math500", or a file's name without extension).</param>
/// <param name="Items">The problems in file order (after the limit).</param>
/// <param name="Source">Where the items came from (a benchmark name or a file path).</param>
public sealed record EvalBenchmark(string Name, IReadOnlyList<BenchmarkItem> Items, string Source)
{
    /// <summary>The name that selects GPQA-Diamond; it needs the user's CSV.</summary>
    public const string GpqaDiamondName = BenchmarkNames.GpqaDiamond;

    /// <summary>Benchmark names accepted besides file paths.</summary>
    public static IReadOnlyList<string> KnownNames { get; } = [.. BenchmarkDataset.BuiltInNames, GpqaDiamondName];

    /// <summary>
    /// Loads a benchmark by name or path. A path ending in .jsonl is read with <see cref="BenchmarkDataset.LoadJsonl"/>;
    /// a path ending in .csv, or the name gpqa-diamond with <paramref name="gpqaCsvPath"/>, is read as the GPQA CSV
    /// (choices shuffled deterministically per question, repeat 0, graded as letters).
    /// </summary>
    /// <param name="nameOrPath">math500, aime24, aime25, amc23, gpqa-diamond, or a .jsonl/.csv file.</param>
    /// <param name="gpqaCsvPath">The user's copy of the GPQA-Diamond CSV (only with gpqa-diamond).</param>
    /// <param name="limit">Keep the first this many problems; null keeps all.</param>
    /// <param name="dataDirectory">Folder of the shipped benchmarks; null finds data/benchmarks above the working directory.</param>
    /// <param name="gpqaSeed">Seed of the GPQA choice shuffle (<see cref="GpqaDiamond.Permutation"/>); 0 is the default order.</param>
    /// <exception cref="ArgumentException">Unknown name, a bad limit, or a CSV given for another benchmark.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is malformed (the message names the file and line).</exception>
    public static EvalBenchmark Load(string nameOrPath, string? gpqaCsvPath = null, int? limit = null, string? dataDirectory = null, long gpqaSeed = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrPath);
        if (limit is < 1) throw new ArgumentOutOfRangeException(nameof(limit), limit, "limit must be >= 1 (or null for all problems)");
        var (name, items) = LoadAll(nameOrPath.Trim(), gpqaCsvPath, dataDirectory, gpqaSeed);
        if (limit is { } l && l < items.Count) items = items.Take(l).ToList();
        return new EvalBenchmark(name, items, nameOrPath);
    }

    private static (string Name, IReadOnlyList<BenchmarkItem> Items) LoadAll(string spec, string? gpqaCsv, string? dataDirectory, long gpqaSeed)
    {
        if (spec == GpqaDiamondName)
        {
            if (string.IsNullOrWhiteSpace(gpqaCsv))
                throw new ArgumentException(BenchmarkNames.GpqaCsvHelp + " (reasonflux eval: --gpqa-csv PATH)");
            if (!File.Exists(gpqaCsv)) throw new FileNotFoundException($"{gpqaCsv}: GPQA CSV not found; " + BenchmarkNames.GpqaCsvHelp, gpqaCsv);
            return (GpqaDiamondName, GpqaDiamond.LoadCsv(gpqaCsv, seed: gpqaSeed));
        }
        if (gpqaCsv is not null)
            throw new ArgumentException($"a GPQA CSV ({gpqaCsv}) was given but the benchmark is \"{spec}\"; the CSV is only read with gpqa-diamond");
        if (BenchmarkDataset.BuiltInNames.Contains(spec)) return (spec, BenchmarkDataset.LoadBuiltIn(spec, dataDirectory));

        bool isJsonl = spec.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase);
        bool isCsv = spec.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);
        if (isJsonl || isCsv)
        {
            RequireFile(spec);
            var stem = Path.GetFileNameWithoutExtension(spec);
            return isCsv ? (stem, GpqaDiamond.LoadCsv(spec, seed: gpqaSeed)) : (stem, BenchmarkDataset.LoadJsonl(spec));
        }
        throw new ArgumentException($"unknown benchmark \"{spec}\"; expected one of {string.Join(", ", KnownNames)}, " +
            "a .jsonl file with \"problem\" and \"answer\" fields, or a GPQA .csv file");
    }

    private static void RequireFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: benchmark file not found", path);
    }
}
