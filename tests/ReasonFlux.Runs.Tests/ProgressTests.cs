using ReasonFlux.Recipes.Options;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Spectre.Console;

namespace ReasonFlux.Runs.Tests;

public class ProgressTests
{
    private sealed class ListSink : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];
        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }

    [Fact]
    public void Remaining_UsesAverageStepTimeSinceStart()
    {
        var now = TimeSpan.Zero;
        var eta = new EtaEstimator(() => now);
        eta.Start(firstStep: 11, totalSteps: 100); // resumed at step 10
        Assert.Null(eta.Remaining(10));
        now = TimeSpan.FromSeconds(20);
        Assert.Equal(TimeSpan.FromSeconds(160), eta.Remaining(20)); // 10 steps in 20 s: 2 s × 80 steps left
    }

    [Theory]
    [InlineData(42, "42s")]
    [InlineData(185, "3m05s")]
    [InlineData(3720, "1h02m")]
    public void Format_Durations(int seconds, string expected) => Assert.Equal(expected, EtaEstimator.Format(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void LogProgress_WritesStructuredLinesEveryN()
    {
        var sink = new ListSink();
        using var log = new LoggerConfiguration().WriteTo.Sink(sink).CreateLogger();
        var now = TimeSpan.Zero;
        var p = new LogProgress(log, every: 2, new EtaEstimator(() => now));
        p.Start("grpo", totalSteps: 5, firstStep: 1);
        for (int step = 1; step <= 5; step++)
        {
            now = TimeSpan.FromSeconds(step);
            p.Update(step, new Dictionary<string, double> { [MetricNames.Reward] = 0.5, [MetricNames.Loss] = 0.25 });
        }
        var lines = sink.Events.Skip(1).ToList();
        Assert.Equal([2L, 4L, 5L], lines.Select(e => (long)((ScalarValue)e.Properties["Step"]).Value!));
        var text = lines[0].RenderMessage();
        Assert.Equal("\"grpo\" step 2/5 \"reward 0.5  loss 0.25\" eta \"3s\"", text);
    }

    [Fact]
    public void LiveProgress_RendersStepMetricsAndEta()
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(writer),
        });
        using (var p = new LiveProgress(console))
        {
            p.Start("grpo", totalSteps: 10, firstStep: 1);
            p.Update(3, new Dictionary<string, double> { [MetricNames.Reward] = 0.42, [MetricNames.Loss] = 1.5 });
            Thread.Sleep(300);
            p.Finish();
        }
        var text = writer.ToString();
        Assert.Contains("grpo step 3/10", text);
        Assert.Contains("reward 0.42", text);
        Assert.Contains("loss 1.5", text);
        Assert.Contains("eta", text);
    }

    [Theory]
    [InlineData(ProgressMode.Auto, true, true)]
    [InlineData(ProgressMode.Auto, false, false)]
    [InlineData(ProgressMode.Plain, true, false)]
    [InlineData(ProgressMode.Bar, false, true)]
    public void UsesBar_FollowsModeAndTerminal(ProgressMode mode, bool interactive, bool expected) =>
        Assert.Equal(expected, ProgressFactory.UsesBar(mode, interactive));

    [Fact]
    public void IsInteractiveTerminal_UnderTestRunner_IsFalse() =>
        Assert.False(ProgressFactory.IsInteractiveTerminal()); // stdout is redirected by the test host

    [Fact]
    public void ProgressPace_EveryTenPercentOrThirtySecondsAndAlwaysAtTheEnd()
    {
        var now = TimeSpan.Zero;
        var pace = new ProgressPace(100, 0.1, TimeSpan.FromSeconds(30), () => now);
        var reported = new List<long>();
        for (long done = 1; done <= 100; done++)
        {
            if (done == 55) now += TimeSpan.FromSeconds(31); // a slow stretch: a line by time
            if (pace.ShouldReport(done)) reported.Add(done);
        }
        Assert.Equal([10L, 20, 30, 40, 50, 55, 60, 70, 80, 90, 100], reported);

        var jump = new ProgressPace(7, 0.1);
        Assert.True(jump.ShouldReport(3)); // stride 1 for tiny totals
        Assert.True(jump.ShouldReport(7));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProgressPace(0, 0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProgressPace(10, 0));
    }

    [Fact]
    public void ProgressPace_For_LiveBarFineLogLinesCoarse()
    {
        Assert.True(((ITrainingProgress)new LiveProgress()).IsLive);
        var log = new LogProgress(new LoggerConfiguration().CreateLogger());
        Assert.False(((ITrainingProgress)log).IsLive);
        var coarse = ProgressPace.For(log, 1000);
        Assert.Equal(10, Enumerable.Range(1, 1000).Count(d => coarse.ShouldReport(d)));
    }
}
