using System.Text.Json.Nodes;

namespace ReasonFlux.Runs.Tests;

public class MetricsTests
{
    private static readonly Func<DateTimeOffset> Clock = () => DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_500);

    [Fact]
    public void Log_WritesOneObjectPerStepAndTensorBoardEvents()
    {
        using var dir = new TempDir();
        using (var m = MetricsLogger.Open(dir.Path, resumeStep: null, tensorBoard: true, Clock))
        {
            m.Log(1, new Dictionary<string, double> { ["reward"] = 0.5, ["response_length/mean"] = 120 });
            m.Log(2, new Dictionary<string, double> { ["reward"] = double.NaN, ["loss"] = double.PositiveInfinity });
        }
        var lines = File.ReadAllLines(dir["metrics.jsonl"]);
        Assert.Equal(2, lines.Length);
        var first = JsonNode.Parse(lines[0])!.AsObject();
        Assert.Equal((1L, 1_700_000_000.5, 0.5, 120.0), ((long)first["step"]!, (double)first["time"]!, (double)first["reward"]!, (double)first["response_length/mean"]!));
        Assert.Equal("{\"step\":2,\"time\":1700000000.5,\"reward\":\"NaN\",\"loss\":\"Infinity\"}", lines[1]);

        var series = MetricsFile.Read(dir["metrics.jsonl"]);
        Assert.Equal(["reward", "response_length/mean", "loss"], series.Select(s => s.Name));
        Assert.Equal([1L, 2L], series[0].Steps);
        Assert.True(double.IsNaN(series[0].Values[1]));
        Assert.Equal(double.PositiveInfinity, series[2].Values[0]);

        var eventFile = Assert.Single(Directory.GetFiles(dir.Path, "events.out.tfevents.*"));
        var events = EventFileReader.Read(eventFile);
        Assert.Equal([("reward", 0.5f), ("response_length/mean", 120f)], events[1].Scalars);
    }

    [Fact]
    public void Open_OnResume_DropsLinesAfterTheCheckpointAndMarksRestart()
    {
        using var dir = new TempDir();
        using (var m = MetricsLogger.Open(dir.Path, null, tensorBoard: false, Clock))
            for (int step = 1; step <= 5; step++) m.Log(step, new Dictionary<string, double> { ["loss"] = step });
        using (var m = MetricsLogger.Open(dir.Path, resumeStep: 3, tensorBoard: true, Clock))
        {
            m.Log(4, new Dictionary<string, double> { ["loss"] = 40 });
            var events = EventFileReader.Read(m.TensorBoardFile!);
            Assert.Equal((4L, 1L), (events[1].Step, events[1].SessionStatus!.Value));
        }
        var series = Assert.Single(MetricsFile.Read(dir["metrics.jsonl"]));
        Assert.Equal([1L, 2L, 3L, 4L], series.Steps);
        Assert.Equal([1.0, 2, 3, 40], series.Values);
    }

    [Theory]
    [InlineData("")]
    [InlineData("step")]
    [InlineData("a\nb")]
    public void Log_InvalidName_Throws(string name)
    {
        using var dir = new TempDir();
        using var m = MetricsLogger.Open(dir.Path, null, false, Clock);
        Assert.Throws<ArgumentException>(() => m.Log(1, new Dictionary<string, double> { [name] = 1 }));
    }

    [Fact]
    public void Read_NonNumericMetric_FailsWithFileAndLine()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["metrics.jsonl"], "{\"step\":1,\"reward\":1}\n{\"step\":2,\"reward\":\"high\"}\n");
        var e = Assert.Throws<InvalidDataException>(() => MetricsFile.Read(dir["metrics.jsonl"]));
        Assert.Contains("metrics.jsonl:2: metric \"reward\" must be a number", e.Message);
    }

    [Fact]
    public void Read_MissingStep_FailsWithFileAndLine()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["metrics.jsonl"], "{\"reward\":1}\n");
        Assert.Contains(":1: missing integer field \"step\"", Assert.Throws<InvalidDataException>(() => MetricsFile.Read(dir["metrics.jsonl"])).Message);
    }
}
