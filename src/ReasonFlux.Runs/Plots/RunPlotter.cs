using System.Text;

namespace ReasonFlux.Runs;

/// <summary>
/// Plots every metric of a run (or one stage, or one metrics.jsonl) to PNG (or SVG) files with ScottPlot, main curves
/// first (<see cref="MetricNames.Main"/>), plus an index.html showing them all.
/// </summary>
public static class RunPlotter
{
    /// <summary>
    /// Plots <paramref name="runPath"/>: a run folder (each stage folder with a metrics.jsonl), a stage folder,
    /// or a metrics.jsonl file. Writes to <paramref name="outputDirectory"/> (default: a plots/ folder next to
    /// the metrics) and returns the files written.
    /// </summary>
    public static IReadOnlyList<string> Plot(string runPath, string? outputDirectory = null, PlotFormat format = PlotFormat.Png)
    {
        var sources = FindMetrics(runPath);
        var output = outputDirectory ?? Path.Combine(File.Exists(runPath) ? Path.GetDirectoryName(Path.GetFullPath(runPath))! : runPath, "plots");
        Directory.CreateDirectory(output);
        var written = new List<string>();
        foreach (var (stage, metricsPath) in sources)
        {
            var series = MetricsFile.Read(metricsPath);
            foreach (var s in Order(series))
            {
                var prefix = stage is null ? "" : stage + "-";
                var file = Path.Combine(output, prefix + FileNameOf(s.Name) + (format == PlotFormat.Png ? ".png" : ".svg"));
                var title = stage is null ? s.Name : $"{stage}: {s.Name}";
                CurvePlot.Save(file, format, title, "step", s.Name, s.Steps, s.Values);
                written.Add(file);
            }
        }
        var index = Path.Combine(output, "index.html");
        var html = new StringBuilder("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>reasonflux plots</title></head><body>\n");
        foreach (var f in written) html.Append($"<img src=\"{Path.GetFileName(f)}\" alt=\"{Path.GetFileNameWithoutExtension(f)}\">\n");
        html.Append("</body></html>\n");
        File.WriteAllText(index, html.ToString());
        written.Add(index);
        return written;
    }

    /// <summary>(stage name or null, metrics.jsonl path) pairs found under <paramref name="path"/>.</summary>
    public static IReadOnlyList<(string? Stage, string MetricsPath)> FindMetrics(string path)
    {
        if (File.Exists(path)) return [(null, path)];
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"{path}: no such run folder or metrics file");
        var own = Path.Combine(path, MetricsLogger.FileName);
        if (File.Exists(own)) return [(null, own)];
        var stages = Directory.GetDirectories(path).Order(StringComparer.Ordinal)
            .Select(d => (Stage: (string?)Path.GetFileName(d), MetricsPath: Path.Combine(d, MetricsLogger.FileName)))
            .Where(x => File.Exists(x.MetricsPath))
            .ToList();
        if (stages.Count == 0) throw new FileNotFoundException($"{path}: no {MetricsLogger.FileName} in it or in its stage folders");
        return stages;
    }

    /// <summary>Main curves first, in <see cref="MetricNames.Main"/> order, then the rest alphabetically.</summary>
    public static IEnumerable<MetricSeries> Order(IEnumerable<MetricSeries> series) =>
        series.OrderBy(s => MetricNames.Main.IndexOf(s.Name) is var i && i >= 0 ? i : int.MaxValue).ThenBy(s => s.Name, StringComparer.Ordinal);

    private static int IndexOf(this IReadOnlyList<string> list, string name)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == name) return i;
        return -1;
    }

    /// <summary>"response_length/mean" → "response_length_mean".</summary>
    public static string FileNameOf(string metric) =>
        string.Concat(metric.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}
