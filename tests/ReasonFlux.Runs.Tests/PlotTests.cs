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

    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Width and height from a PNG's IHDR chunk.</summary>
    private static (int Width, int Height) PngSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(PngSignature, bytes[..8]);
        static int BigEndian(byte[] b, int at) => (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
        return (BigEndian(bytes, 16), BigEndian(bytes, 20));
    }

    [Fact]
    public void Save_Png_WritesAnImageOfTheRequestedSize()
    {
        using var dir = new TempDir();
        var xs = Enumerable.Range(1, 50).Select(i => (long)i).ToList();
        var ys = xs.Select(x => x == 25 ? double.NaN : Math.Log(x)).ToList();
        var file = dir["reward.png"];
        CurvePlot.Save(file, PlotFormat.Png, "grpo: reward", "step", "reward", xs, ys);
        Assert.Equal((CurvePlot.Width, CurvePlot.Height), PngSize(file));
    }

    [Fact]
    public void Save_Svg_WritesWellFormedSvgWithTheTitle()
    {
        using var dir = new TempDir();
        var file = dir["kl.svg"];
        CurvePlot.Save(file, PlotFormat.Svg, "kl <all>", "step", "kl", [1, 2], [double.NaN, double.NaN]);
        var doc = XDocument.Load(file);
        Assert.Contains("kl <all> (no finite values)", doc.ToString().Replace("&lt;", "<").Replace("&gt;", ">"));
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
        Assert.Equal(["grpo-reward.png", "grpo-loss.png", "grpo-zeta.png", "sft-reward.png", "sft-loss.png", "sft-zeta.png", "index.html"],
            files.Select(Path.GetFileName));
        Assert.All(files.Where(f => f.EndsWith(".png")), f => PngSize(f));
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
