namespace ReasonFlux.Runs;

/// <summary>Image format of a plot.</summary>
public enum PlotFormat { Png, Svg }

/// <summary>
/// Draws one metric curve with ScottPlot 5: the raw values, and an exponential moving average on top when the
/// series is long enough to be noisy. Non-finite values are left out (they would wreck the axis limits); a series
/// with none says so in the title.
/// </summary>
public static class CurvePlot
{
    public const int Width = 720, Height = 420;

    /// <summary>EMA weight of the smoothed line (TensorBoard's default smoothing).</summary>
    public const double Smoothing = 0.6;

    /// <summary>Series this long or longer get the smoothed line.</summary>
    public const int SmoothFrom = 10;

    public static void Save(string path, PlotFormat format, string title, string xLabel, string yLabel, IReadOnlyList<long> xs, IReadOnlyList<double> ys)
    {
        if (xs.Count != ys.Count) throw new ArgumentException($"{title}: {xs.Count} steps but {ys.Count} values");
        var finite = Enumerable.Range(0, xs.Count).Where(i => double.IsFinite(ys[i])).ToList();
        var plot = new ScottPlot.Plot();
        plot.Title(finite.Count == 0 ? title + " (no finite values)" : title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        if (finite.Count > 0)
        {
            double[] x = finite.Select(i => (double)xs[i]).ToArray(), y = finite.Select(i => ys[i]).ToArray();
            var raw = plot.Add.Scatter(x, y);
            raw.MarkerSize = finite.Count == 1 ? 6 : 0;
            raw.LegendText = "value";
            if (finite.Count >= SmoothFrom)
            {
                raw.Color = raw.Color.WithAlpha(0.35);
                var smooth = plot.Add.Scatter(x, Ema(y));
                smooth.MarkerSize = 0;
                smooth.LineWidth = 2;
                smooth.LegendText = $"EMA {Smoothing}";
                plot.ShowLegend();
            }
        }
        if (format == PlotFormat.Png) plot.SavePng(path, Width, Height);
        else plot.SaveSvg(path, Width, Height);
    }

    /// <summary>Accuracy lines over N (the Best-of-N figure): one line per method, y from 0 to 1, a tick at every N.</summary>
    public static void SaveLines(string path, string title, string xLabel, string yLabel, IReadOnlyList<double> xs, IReadOnlyList<(string Label, IReadOnlyList<double> Ys)> lines)
    {
        var plot = new ScottPlot.Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        foreach (var (label, ys) in lines)
        {
            var s = plot.Add.Scatter(xs.ToArray(), ys.ToArray());
            s.LegendText = label;
            s.MarkerSize = 7;
            s.LineWidth = 2;
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xs.ToArray(), xs.Select(x => x.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.SetLimitsY(0, 1);
        plot.ShowLegend();
        plot.SavePng(path, Width, Height);
    }

    private static double[] Ema(double[] y)
    {
        var result = new double[y.Length];
        double acc = y[0];
        for (int i = 0; i < y.Length; i++) result[i] = acc = Smoothing * acc + (1 - Smoothing) * y[i];
        return result;
    }
}
