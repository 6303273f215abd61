using System.Globalization;

namespace ReasonFlux.Runs;

/// <summary>"Nice" axis ticks: steps of 1, 2 or 5 × 10^k covering the data range (Heckbert's method).</summary>
public static class AxisTicks
{
    /// <summary>Tick positions covering [min, max] with about <paramref name="target"/> ticks; the axis spans first..last.</summary>
    public static IReadOnlyList<double> Compute(double min, double max, int target = 6)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max)) throw new ArgumentException("axis range must be finite");
        if (max < min) (min, max) = (max, min);
        if (max == min)
        {
            double pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
            min -= pad;
            max += pad;
        }
        double step = NiceStep((max - min) / Math.Max(1, target - 1));
        double first = Math.Floor(min / step) * step;
        double last = Math.Ceiling(max / step) * step;
        var ticks = new List<double>();
        for (int i = 0; first + i * step <= last + step * 1e-9; i++)
            ticks.Add(Clean(first + i * step, step));
        return ticks;
    }

    /// <summary>Label text for a tick, with as many decimals as the tick spacing needs.</summary>
    public static string Label(double value, double step)
    {
        double a = Math.Abs(value);
        if (a != 0 && (a >= 1e6 || a < 1e-4)) return value.ToString("0.##e0", CultureInfo.InvariantCulture);
        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9));
        return value.ToString("F" + Math.Min(decimals, 6), CultureInfo.InvariantCulture);
    }

    private static double NiceStep(double raw)
    {
        double exp = Math.Floor(Math.Log10(raw));
        double f = raw / Math.Pow(10, exp);
        double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
        return nice * Math.Pow(10, exp);
    }

    // 0.1 + 0.2 must print as 0.3, and -0 as 0.
    private static double Clean(double v, double step)
    {
        double r = Math.Round(v / step) * step;
        r = Math.Round(r, Math.Clamp(15 - (int)Math.Ceiling(Math.Log10(Math.Abs(r) + 1e-300)), 0, 15));
        return r == 0 ? 0 : r;
    }
}
