using System.Globalization;
using System.Security;
using System.Text;
using ReasonFlux.Runs;

namespace ReasonFlux.Training.Select;

/// <summary>
/// A histogram of pool scores as a standalone SVG: stacked bars of kept (top K) and dropped items per bin and a
/// dashed line at the selection threshold (the K-th best score).
/// </summary>
public static class ScoreHistogramSvg
{
    public const int Width = 720, Height = 420;
    private const int Left = 70, Right = 24, Top = 44, Bottom = 56;
    private const string KeptColor = "#1f77b4", DroppedColor = "#c7c7c7", ThresholdColor = "#d62728";

    /// <param name="scores">Every item's score.</param>
    /// <param name="selected">Which items were kept.</param>
    /// <param name="threshold">The lowest kept score.</param>
    /// <param name="title">Plot title.</param>
    /// <param name="bins">Number of bars.</param>
    public static string Render(IReadOnlyList<double> scores, IReadOnlyList<bool> selected, double threshold, string title, int bins = 40)
    {
        if (scores.Count != selected.Count) throw new ArgumentException("scores and selected differ in length");
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        var svg = new StringBuilder();
        svg.Append(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n"));
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.Append(F($"<text x=\"{Width / 2}\" y=\"26\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">{Esc(title)}</text>\n"));
        var finite = Enumerable.Range(0, scores.Count).Where(i => double.IsFinite(scores[i])).ToList();
        if (finite.Count == 0)
        {
            svg.Append(F($"<text x=\"{Width / 2}\" y=\"{Height / 2}\" text-anchor=\"middle\" fill=\"#888\">no finite scores</text>\n</svg>\n"));
            return svg.ToString();
        }

        double lo = finite.Min(i => scores[i]), hi = finite.Max(i => scores[i]);
        if (hi == lo) { lo -= 0.5; hi += 0.5; }
        double width = (hi - lo) / bins;
        var kept = new int[bins];
        var dropped = new int[bins];
        foreach (var i in finite)
        {
            int b = Math.Min(bins - 1, (int)((scores[i] - lo) / width));
            if (selected[i]) kept[b]++; else dropped[b]++;
        }
        int maxCount = Enumerable.Range(0, bins).Max(b => kept[b] + dropped[b]);

        var xTicks = AxisTicks.Compute(lo, hi, 8);
        var yTicks = AxisTicks.Compute(0, maxCount, 6);
        double x0 = Math.Min(xTicks[0], lo), x1 = Math.Max(xTicks[^1], hi), y1 = yTicks[^1];
        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        double Px(double x) => Left + (x - x0) / (x1 - x0) * plotW;
        double Py(double y) => Top + plotH - y / y1 * plotH;

        double yStep = yTicks.Count > 1 ? yTicks[1] - yTicks[0] : 1;
        foreach (var t in yTicks.Where(t => t >= 0 && t == Math.Floor(t)))
        {
            svg.Append(F($"<line x1=\"{Left}\" y1=\"{Py(t):0.##}\" x2=\"{Width - Right}\" y2=\"{Py(t):0.##}\" stroke=\"#e5e5e5\"/>\n"));
            svg.Append(F($"<text x=\"{Left - 6}\" y=\"{Py(t) + 4:0.##}\" text-anchor=\"end\">{Esc(AxisTicks.Label(t, Math.Max(1, yStep)))}</text>\n"));
        }
        double xStep = xTicks.Count > 1 ? xTicks[1] - xTicks[0] : 1;
        foreach (var t in xTicks.Where(t => t >= x0 && t <= x1))
            svg.Append(F($"<text x=\"{Px(t):0.##}\" y=\"{Height - Bottom + 18}\" text-anchor=\"middle\">{Esc(AxisTicks.Label(t, xStep))}</text>\n"));

        for (int b = 0; b < bins; b++)
        {
            double bx = Px(lo + b * width) + 0.5, bw = Math.Max(0.5, Px(lo + (b + 1) * width) - Px(lo + b * width) - 1);
            if (dropped[b] > 0)
                svg.Append(F($"<rect x=\"{bx:0.##}\" y=\"{Py(dropped[b]):0.##}\" width=\"{bw:0.##}\" height=\"{Py(0) - Py(dropped[b]):0.##}\" fill=\"{DroppedColor}\"/>\n"));
            if (kept[b] > 0)
                svg.Append(F($"<rect x=\"{bx:0.##}\" y=\"{Py(dropped[b] + kept[b]):0.##}\" width=\"{bw:0.##}\" height=\"{Py(dropped[b]) - Py(dropped[b] + kept[b]):0.##}\" fill=\"{KeptColor}\"/>\n"));
        }
        svg.Append(F($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#333\"/>\n"));

        int keptCount = selected.Count(s => s);
        if (double.IsFinite(threshold))
        {
            double tx = Px(Math.Clamp(threshold, x0, x1));
            svg.Append(F($"<line x1=\"{tx:0.##}\" y1=\"{Top}\" x2=\"{tx:0.##}\" y2=\"{Top + plotH}\" stroke=\"{ThresholdColor}\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n"));
            string label = $"top {keptCount} ≥ {threshold.ToString("0.####", CultureInfo.InvariantCulture)}";
            bool right = tx < Left + plotW * 0.7;
            svg.Append(F($"<text x=\"{(right ? tx + 6 : tx - 6):0.##}\" y=\"{Top + 16}\" text-anchor=\"{(right ? "start" : "end")}\" fill=\"{ThresholdColor}\">{Esc(label)}</text>\n"));
        }
        svg.Append(F($"<text x=\"{Left + plotW / 2:0.##}\" y=\"{Height - 14}\" text-anchor=\"middle\">PRM score</text>\n"));
        svg.Append(F($"<text x=\"18\" y=\"{Top + plotH / 2:0.##}\" text-anchor=\"middle\" transform=\"rotate(-90 18 {Top + plotH / 2:0.##})\">items</text>\n"));
        svg.Append(F($"<rect x=\"{Width - Right - 150}\" y=\"{Top + 28}\" width=\"10\" height=\"10\" fill=\"{KeptColor}\"/><text x=\"{Width - Right - 135}\" y=\"{Top + 37}\">kept ({keptCount})</text>\n"));
        svg.Append(F($"<rect x=\"{Width - Right - 150}\" y=\"{Top + 44}\" width=\"10\" height=\"10\" fill=\"{DroppedColor}\"/><text x=\"{Width - Right - 135}\" y=\"{Top + 53}\">dropped ({scores.Count - keptCount})</text>\n"));
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string Esc(string s) => SecurityElement.Escape(s) ?? "";
}
