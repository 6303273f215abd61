using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ReasonFlux.Grading;
using ReasonFlux.Grading.Datasets;

// Grades a batch of 1,024 responses of ~4k characters on one thread (one core) and writes the timings as
// JSON and a markdown table to results/. Target: the whole batch in under a second.
const int BatchSize = 1024;
const int TargetLength = 4000;
const int Passes = 7;

try
{
    using var process = Process.GetCurrentProcess();
    if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows()) process.ProcessorAffinity = 1;
}
catch (Exception e) when (e is PlatformNotSupportedException or System.ComponentModel.Win32Exception)
{
}

var dataDir = BenchmarkDataset.FindDataDirectory() ?? throw new DirectoryNotFoundException("run from inside the repository (data/benchmarks not found)");
var golds = BenchmarkDataset.LoadJsonl(Path.Combine(dataDir, "math500.jsonl")).Select(i => i.Answer).ToList();
var scenarios = new[] { ("mixed", BuildBatch(golds, parseHeavy: false)), ("parse-heavy", BuildBatch(golds, parseHeavy: true)) };
var rows = scenarios.Select(s => Measure(s.Item1, s.Item2)).ToList();

var result = new
{
    benchmark = "GradingBench",
    batch_size = BatchSize,
    threads = 1,
    passes = Passes,
    target_ms = 1000,
    scenarios = rows,
    meets_target = rows.All(r => r.BatchMsMedian < 1000),
    machine = $"{Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}",
    timestamp_utc = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
};

var resultsDir = Path.Combine(FindBenchDirectory(), "results");
Directory.CreateDirectory(resultsDir);
File.WriteAllText(Path.Combine(resultsDir, "grading-bench.json"), JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }) + "\n");
var md = new StringBuilder()
    .AppendLine("# GradingBench")
    .AppendLine()
    .AppendLine($"Grading {BatchSize} responses of ~{rows[0].MeanResponseChars:F0} characters (think block with intermediate boxes, then a final box) on one thread; {Passes} timed passes after a warm-up. " +
                "\"mixed\": 3 in 4 carry the gold (as written, respelled with \\dfrac/\\displaystyle, or padded), 1 in 4 a different MATH500 answer. " +
                "\"parse-heavy\": every answer is respelled, so each grade parses and compares both sides.")
    .AppendLine()
    .AppendLine("| scenario | batch median (ms) | batch min / max (ms) | per response (µs) | slowest grade (ms) | equal | target < 1000 ms |")
    .AppendLine("|---|---|---|---|---|---|---|");
foreach (var r in rows)
    md.AppendLine($"| {r.Scenario} | {r.BatchMsMedian:F1} | {r.BatchMsMin:F1} / {r.BatchMsMax:F1} | {r.PerResponseUsMedian:F1} | {r.SlowestSingleGradeMs:F3} | {r.EqualInBatch} / {BatchSize} | {(r.BatchMsMedian < 1000 ? "met" : "NOT met")} |");
md.AppendLine().AppendLine($"Machine: {result.machine}. Run: {result.timestamp_utc}.");
File.WriteAllText(Path.Combine(resultsDir, "grading-bench.md"), md.ToString());
Console.WriteLine(md.ToString());
return result.meets_target ? 0 : 1;

static List<(string Gold, string Response)> BuildBatch(IReadOnlyList<string> golds, bool parseHeavy)
{
var rng = new Random(20240611);
var batch = new List<(string Gold, string Response)>(BatchSize);
for (int i = 0; i < BatchSize; i++)
{
    string gold = golds[i % golds.Count];
    var sb = new StringBuilder("<think>\n");
    while (sb.Length < TargetLength - 200)
    {
        int a = rng.Next(2, 99), b = rng.Next(2, 99);
        sb.Append($"Suppose $x = {a}$; then $x^2 + {b} = {a * a + b}$, so perhaps \\boxed{{{a + b}}}? Let me double-check the case analysis.\n");
    }
    sb.Append("</think>\nPutting everything together, the final answer is $\\boxed{");
    // Three in four carry the gold (sometimes respelled), one in four a different answer.
    sb.Append((parseHeavy ? 1 : i % 4) switch
    {
        0 => gold,
        1 => "\\displaystyle " + gold.Replace("\\frac", "\\dfrac", StringComparison.Ordinal),
        2 => " " + gold + " ",
        _ => golds[(i + 7) % golds.Count],
    });
    sb.Append("}$.");
    batch.Add((gold, sb.ToString()));
}
return batch;
}

static BenchRow Measure(string name, List<(string Gold, string Response)> batch)
{
    // Warm-up pass (JIT), then timed passes.
    int equal = 0;
    foreach (var (g, r) in batch) equal += AnswerGrader.Grade(g, r).Equal ? 1 : 0;
    var passMs = new List<double>();
    double slowestMs = 0;
    for (int pass = 0; pass < Passes; pass++)
    {
        var sw = Stopwatch.StartNew();
        foreach (var (g, r) in batch)
        {
            long t0 = Stopwatch.GetTimestamp();
            AnswerGrader.Grade(g, r);
            slowestMs = Math.Max(slowestMs, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        passMs.Add(sw.Elapsed.TotalMilliseconds);
    }
    passMs.Sort();
    double median = passMs[passMs.Count / 2];
    return new BenchRow(name, Math.Round(batch.Average(b => b.Response.Length), 1), Math.Round(passMs[0], 2), Math.Round(median, 2),
        Math.Round(passMs[^1], 2), Math.Round(median * 1000 / batch.Count, 2), Math.Round(slowestMs, 3), equal);
}

static string FindBenchDirectory()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "GradingBench.csproj"))) return dir.FullName;
    }
    return Directory.GetCurrentDirectory();
}

record BenchRow(string Scenario, double MeanResponseChars, double BatchMsMin, double BatchMsMedian, double BatchMsMax,
    double PerResponseUsMedian, double SlowestSingleGradeMs, int EqualInBatch);
