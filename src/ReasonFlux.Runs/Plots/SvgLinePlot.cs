using System.Globalization;
using System.Security;
using System.Text;

namespace ReasonFlux.Runs;

/// <summary>
/// Renders one metric curve as a standalone SVG: title, labelled axes with nice ticks and grid lines, the
/// raw values, and an exponential moving average when the series is long enough to be noisy.
/// Non-finite values break the line instead of distorting the axis.
/// </summary>
public static class SvgLinePlot
{
    public const int Width = 720, Height = 420;
    private const int Left = 78, Right = 24, Top = 44, Bottom = 56;

    /// <summary>EMA weight of the smoothed line (TensorBoard's default smoothing is 0.6).</summary>
    public const double Smoothing = 0.6;

    public static string Render(string title, string xLabel, string yLabel, IReadOnlyList<long> xs, IReadOnlyList<double> ys)
    {
        if (xs.Count != ys.Count) throw new ArgumentException("xs and ys differ in length");
        var finite = Enumerable.Range(0, xs.Count).Where(i => double.IsFinite(ys[i])).ToList();
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"26\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">{Esc(title)}</text>\n");
        if (finite.Count == 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"{Height / 2}\" text-anchor=\"middle\" fill=\"#888\">no finite values</text>\n</svg>\n");
            return svg.ToString();
        }

        var xTicks = AxisTicks.Compute(finite.Min(i => (double)xs[i]), finite.Max(i => (double)xs[i]), 8);
        var yTicks = AxisTicks.Compute(finite.Min(i => ys[i]), finite.Max(i => ys[i]), 6);
        double x0 = xTicks[0], x1 = xTicks[^1], y0 = yTicks[0], y1 = yTicks[^1];
        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        double Px(double x) => Left + (x - x0) / (x1 - x0) * plotW;
        double Py(double y) => Top + plotH - (y - y0) / (y1 - y0) * plotH;

        double yStep = yTicks.Count > 1 ? yTicks[1] - yTicks[0] : 1;
        foreach (var t in yTicks)
        {
            svg.Append(F($"<line x1=\"{Left}\" y1=\"{Py(t):0.##}\" x2=\"{Width - Right}\" y2=\"{Py(t):0.##}\" stroke=\"#e5e5e5\"/>\n"));
            svg.Append(F($"<text x=\"{Left - 6}\" y=\"{Py(t) + 4:0.##}\" text-anchor=\"end\">{Esc(AxisTicks.Label(t, yStep))}</text>\n"));
        }
        double xStep = xTicks.Count > 1 ? xTicks[1] - xTicks[0] : 1;
        foreach (var t in xTicks)
        {
            svg.Append(F($"<line x1=\"{Px(t):0.##}\" y1=\"{Top}\" x2=\"{Px(t):0.##}\" y2=\"{Height - Bottom}\" stroke=\"#f0f0f0\"/>\n"));
            svg.Append(F($"<text x=\"{Px(t):0.##}\" y=\"{Height - Bottom + 18}\" text-anchor=\"middle\">{Esc(AxisTicks.Label(t, xStep))}</text>\n"));
        }
        svg.Append(F($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#333\"/>\n"));
        svg.Append(F($"<text x=\"{Left + plotW / 2:0.##}\" y=\"{Height - 14}\" text-anchor=\"middle\">{Esc(xLabel)}</text>\n"));
        svg.Append(F($"<text x=\"18\" y=\"{Top + plotH / 2:0.##}\" text-anchor=\"middle\" transform=\"rotate(-90 18 {Top + plotH / 2:0.##})\">{Esc(yLabel)}</text>\n"));

        bool smooth = finite.Count >= 20;
        AppendLine(svg, xs, ys, Px, Py, smooth ? "#9ecae1" : "#1f77b4", smooth ? 1.0 : 1.8);
        if (smooth)
        {
            var ema = new double[ys.Count];
            double acc = double.NaN;
            for (int i = 0; i < ys.Count; i++)
            {
                if (double.IsFinite(ys[i])) acc = double.IsNaN(acc) ? ys[i] : Smoothing * acc + (1 - Smoothing) * ys[i];
                ema[i] = double.IsFinite(ys[i]) ? acc : double.NaN;
            }
            AppendLine(svg, xs, ema, Px, Py, "#1f77b4", 2.0);
        }
        if (finite.Count == 1)
            svg.Append(F($"<circle cx=\"{Px(xs[finite[0]]):0.##}\" cy=\"{Py(ys[finite[0]]):0.##}\" r=\"3\" fill=\"#1f77b4\"/>\n"));
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void AppendLine(StringBuilder svg, IReadOnlyList<long> xs, IReadOnlyList<double> ys, Func<double, double> px, Func<double, double> py, string color, double width)
    {
        var points = new StringBuilder();
        void FlushSegment()
        {
            if (points.Length > 0)
                svg.Append(F($"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"{width}\" points=\"{points.ToString().TrimEnd()}\"/>\n"));
            points.Clear();
        }
        for (int i = 0; i < xs.Count; i++)
        {
            if (!double.IsFinite(ys[i])) { FlushSegment(); continue; }
            points.Append(F($"{px(xs[i]):0.##},{py(ys[i]):0.##} "));
        }
        FlushSegment();
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string Esc(string s) => SecurityElement.Escape(s) ?? "";
}
