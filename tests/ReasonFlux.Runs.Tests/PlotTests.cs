using System.Xml.Linq;

namespace ReasonFlux.Runs.Tests;

public class PlotTests
{
    [Theory]
    [InlineData(0, 1, new[] { 0, 0.2, 0.4, 0.6, 0.8, 1.0 })]
    [InlineData(0, 95, new[] { 0.0, 20, 40, 60, 80, 100 })]
    [InlineData(0.31, 0.47, new[] { 0.3, 0.35, 0.4, 0.45, 0.5 })]
    [InlineData(5, 5, new[] { 4.4, 4.6, 4.8, 5.0, 5.2, 5.4, 5.6 })]
    public void Compute_NiceTicksCoverRange(double min, double max, double[] expected) =>
        Assert.Equal(expected, AxisTicks.Compute(min, max, 6));

    [Fact]
    public void Label_UsesDecimalsOfTheStep()
    {
        Assert.Equal("0.35", AxisTicks.Label(0.35, 0.05));
        Assert.Equal("200", AxisTicks.Label(200, 50));
        Assert.Equal("1e-5", AxisTicks.Label(1e-5, 1e-5));
    }

    [Fact]
    public void Render_ProducesWellFormedSvgWithTitleAxesAndLine()
    {
        var xs = Enumerable.Range(1, 50).Select(i => (long)i).ToList();
        var ys = xs.Select(x => x == 25 ? double.NaN : Math.Log(x)).ToList();
        var svg = SvgLinePlot.Render("grpo: reward <mean>", "step", "reward", xs, ys);
        var doc = XDocument.Parse(svg);
        XNamespace ns = "http://www.w3.org/2000/svg";
        var texts = doc.Descendants(ns + "text").Select(t => t.Value).ToList();
        Assert.Contains("grpo: reward <mean>", texts);
        Assert.Contains("step", texts);
        Assert.Contains("50", texts);  // x tick
        Assert.Contains("4", texts);   // y tick (log 50 ≈ 3.9)
        // NaN splits the raw line in two, and the smoothed line too.
        Assert.Equal(4, doc.Descendants(ns + "polyline").Count());
    }

    [Fact]
    public void Render_NoFiniteValues_SaysSo()
    {
        var svg = SvgLinePlot.Render("kl", "step", "kl", [1, 2], [double.NaN, double.NaN]);
        Assert.Contains("no finite values", XDocument.Parse(svg).ToString());
    }

    [Fact]
    public void Plot_RunFolder_WritesMainCurvesFirstAndIndex()
    {
        using var dir = new TempDir();
        foreach (var stage in new[] { "sft", "grpo" })
        {
            using var m = MetricsLogger.Open(dir[stage], null, tensorBoard: false);
            for (int s = 1; s <= 3; s++)
                m.Log(s, new Dictionary<string, double> { ["zeta"] = s, [MetricNames.Loss] = 1.0 / s, [MetricNames.Reward] = s * 0.1 });
        }
        var files = RunPlotter.Plot(dir.Path);
        Assert.Equal(["grpo-reward.svg", "grpo-loss.svg", "grpo-zeta.svg", "sft-reward.svg", "sft-loss.svg", "sft-zeta.svg", "index.html"],
            files.Select(Path.GetFileName));
        Assert.All(files.Where(f => f.EndsWith(".svg")), f => XDocument.Load(f));
        Assert.Equal(dir["plots"], Path.GetDirectoryName(files[0]));
    }

    [Fact]
    public void Plot_MissingRun_Throws()
    {
        using var dir = new TempDir();
        Assert.Throws<DirectoryNotFoundException>(() => RunPlotter.Plot(dir["nope"]));
        Assert.Throws<FileNotFoundException>(() => RunPlotter.Plot(dir.Path));
    }

    [Fact]
    public void FileNameOf_ReplacesSeparators() => Assert.Equal("response_length_mean", RunPlotter.FileNameOf("response_length/mean"));
}
