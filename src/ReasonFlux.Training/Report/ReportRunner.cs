using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Runs;

namespace ReasonFlux.Training.Report;

/// <summary>
/// The report stage: reads the eval summaries and selections its keys name, writes report.json and report.md (see
/// <see cref="MiniatureReport"/>), draws the training curves and the Best-of-N figure as PNG (ScottPlot) into
/// output/curves/, and prints the report. Its time counts the earlier stages' wall time from their COMPLETE markers.
/// </summary>
public sealed class ReportRunner : StageRunner<ReportOptions>
{
    public const string CurvesFolder = "curves";

    /// <summary>
    /// Metrics drawn for a curve stage: the rewards of a GRPO stage (its loss is not a learning signal), the loss of
    /// any other, plus periodic eval pass@1.
    /// </summary>
    public static readonly IReadOnlyList<string> RewardCurves = [MetricNames.RewardOutcome, MetricNames.RewardProcess];

    public override StageKind Kind => StageKind.Report;

    protected override StageOutcome Run(ReportOptions options, StageContext context)
    {
        var wall = Stopwatch.StartNew();
        var inputs = ReportInputs.Read(options);
        var output = context.OutputDirectory;
        var curvesDir = Path.Combine(output, CurvesFolder);
        Directory.CreateDirectory(curvesDir);

        var curveFiles = new List<string>();
        foreach (var dir in options.Curves) curveFiles.AddRange(DrawCurves(dir, curvesDir));
        string? bonFigure = null;
        if (inputs.BestOfN is { } bon)
        {
            var ns = MiniatureReport.BestOfNSizes(bon);
            bonFigure = Path.Combine(CurvesFolder, "best-of-n.png");
            CurvePlot.SaveLines(Path.Combine(output, bonFigure), $"Best-of-N on {bon.Problems} held-out problems", "N", "accuracy",
                ns.Select(n => (double)n).ToList(),
                [("Best-of-N by PRM", ns.Select(n => bon.Metric($"bon@{n}")).ToList()), ("majority", ns.Select(n => bon.Metric($"maj@{n}")).ToList())]);
        }

        var stageSeconds = new List<(string, double)>();
        foreach (var stage in context.Recipe.Stages)
        {
            if (stage.Name == options.Name) break;
            if (new StageFolder(context.Recipe.StageDirectory(stage.Name)).Seconds is { } s) stageSeconds.Add((stage.Name, s));
        }
        stageSeconds.Add((options.Name, wall.Elapsed.TotalSeconds));
        double total = stageSeconds.Sum(s => s.Item2);
        var json = MiniatureReport.Json(inputs, total, stageSeconds, Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, LoadAverage());
        var md = MiniatureReport.Markdown(options.Title, inputs, json, curveFiles.Select(f => Path.GetRelativePath(output, f)).ToList(), bonFigure);
        File.WriteAllText(Path.Combine(output, MiniatureReport.JsonFileName), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.WriteAllText(Path.Combine(output, MiniatureReport.MarkdownFileName), md);
        context.Log.Information("report {Path}:\n{Report}", Path.Combine(output, MiniatureReport.MarkdownFileName), md);
        return StageOutcome.Completed;
    }

    /// <summary>One PNG per drawn metric (see <see cref="RewardCurves"/>) the stage logged.</summary>
    private static IEnumerable<string> DrawCurves(string stageOutput, string curvesDir)
    {
        var stage = ReportInputs.StageNameOf(stageOutput);
        var metricsPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(stageOutput).TrimEnd('/', '\\'))!, MetricsLogger.FileName);
        if (!File.Exists(metricsPath)) throw new FileNotFoundException($"{metricsPath}: no metrics for curve stage \"{stage}\"", metricsPath);
        var all = MetricsFile.Read(metricsPath);
        bool rewards = all.Any(s => RewardCurves.Contains(s.Name));
        foreach (var series in all)
        {
            bool periodicEval = series.Name.StartsWith(MetricNames.EvalPrefix, StringComparison.Ordinal) && series.Name.EndsWith("/pass@1", StringComparison.Ordinal);
            if (!(rewards ? RewardCurves.Contains(series.Name) : series.Name == MetricNames.Loss) && !periodicEval) continue;
            var file = Path.Combine(curvesDir, $"{stage}-{RunPlotter.FileNameOf(series.Name)}.png");
            CurvePlot.Save(file, PlotFormat.Png, $"{stage}: {series.Name}", "step", series.Name, series.Steps, series.Values);
            yield return file;
        }
    }

    /// <summary>The 1, 5 and 15 minute load averages (Linux), to read the wall time against; empty elsewhere.</summary>
    private static double[] LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return parts.Take(3).Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return [];
        }
    }
}
