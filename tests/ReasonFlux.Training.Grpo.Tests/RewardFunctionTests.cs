using System.Diagnostics;
using System.Text.Json.Nodes;
using ReasonFlux.Runs;
using ReasonFlux.Training.Grpo;

namespace ReasonFlux.Training.Grpo.Tests;

/// <summary>External reward commands and built-in extras: time-limited, never crashing or hanging a run.</summary>
[Collection("GrpoStatics")]
public sealed class RewardFunctionTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "rf-grpo-rewards-" + Guid.NewGuid().ToString("N"));

    public RewardFunctionTests() => GrpoTestKit.WriteInputs(_dir);

    public void Dispose()
    {
        Directory.Delete(_dir, true);
    }

    private static JsonObject[] Requests(int n) => Enumerable.Range(0, n).Select(i => new JsonObject { ["response"] = $"r{i}" }).ToArray();

    [Fact]
    public void Command_IsKeptAliveAcrossBatches()
    {
        using var command = new RewardCommand("while read line; do echo '{\"reward\": 0.5}'; done", TimeSpan.FromSeconds(10));
        Assert.Equal([0.5, 0.5, 0.5], command.Score(Requests(3)));
        Assert.Equal([0.5, 0.5], command.Score(Requests(2)));
        Assert.Equal(1, command.Starts);
    }

    [Fact]
    public void Command_TimeOut_ScoresNull_WithinOneTimeOut_AndRestarts()
    {
        using var command = new RewardCommand("while read line; do sleep 30; echo 1; done", TimeSpan.FromMilliseconds(300));
        var watch = Stopwatch.StartNew();
        Assert.All(command.Score(Requests(4)), v => Assert.Null(v));
        Assert.All(command.Score(Requests(4)), v => Assert.Null(v));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"two batches took {watch.Elapsed}");
        Assert.Equal(2, command.Starts);
    }

    [Fact]
    public void Command_GarbageAndExit_ScoreNull_AndTheCommandIsRestarted()
    {
        using var garbage = new RewardCommand("while read line; do echo nope; done", TimeSpan.FromSeconds(10));
        Assert.Equal([null, null], garbage.Score(Requests(2)));
        using var once = new RewardCommand("read line; echo 1", TimeSpan.FromSeconds(10));
        // Each start answers once; a request that races the exit scores null, the next one restarts it.
        var values = once.Score(Requests(3));
        Assert.All(values, v => Assert.True(v is null or 1.0));
        Assert.True(values.Count(v => v == 1.0) >= 2, string.Join(", ", values));
        Assert.True(once.Starts >= 2);
        using var missing = new RewardCommand("/nonexistent/reward-program", TimeSpan.FromSeconds(10));
        Assert.Equal([null], missing.Score(Requests(1)));
    }

    [Theory]
    [InlineData("0.25", 0.25)]
    [InlineData("{\"reward\": -1}", -1.0)]
    [InlineData("NaN", null)]
    [InlineData("{\"score\": 1}", null)]
    [InlineData("", null)]
    public void Parse_AcceptsNumbersAndRewardObjects(string line, double? expected) => Assert.Equal(expected, RewardCommand.Parse(line));

    [Fact]
    public void Run_WithASleepingRewardCommand_CountsErrorsAndCompletes()
    {
        var yaml = GrpoTestKit.Recipe(_dir, $"{_dir}/sleepy", 2);
        var stage = GrpoTestKit.Run(yaml, "reward.extra=[{command: \"while read l; do sleep 30; echo 1; done\", timeout_s: 0.3}]", "reward.on_error=-1");
        var m = GrpoTestKit.Metrics(stage);
        // The whole step's 16 completions score on_error: the first timed out, the rest were not sent.
        Assert.Equal([16.0, 16.0], m[GrpoRewardFunctions.ErrorsMetric].Values);
        Assert.Equal([-1.0, -1.0], m[GrpoRewardFunctions.ExtraPrefix + "command_0"].Values);
        Assert.True(File.Exists(Path.Combine(stage, "output", "model.safetensors")));
    }

    [Fact]
    public void Run_WithBuiltinExtras_AddsTheirWeightedScores()
    {
        var yaml = GrpoTestKit.Recipe(_dir, $"{_dir}/extras", 1);
        var plain = GrpoTestKit.Metrics(GrpoTestKit.Run(yaml.Replace($"{_dir}/extras", $"{_dir}/plain")));
        var m = GrpoTestKit.Metrics(GrpoTestKit.Run(yaml, "reward.extra=[{name: format, weight: 0.1}, {name: length, weight: 2}]"));
        var length = m[GrpoRewardFunctions.ExtraPrefix + "length"].Values.Single();
        Assert.Equal(1 - m[MetricNames.ResponseLengthMean].Values.Single() / 12, length, 9);
        Assert.Equal(0.0, m[GrpoRewardFunctions.ExtraPrefix + "format"].Values.Single()); // a random policy writes no \boxed{}
        Assert.Equal(0.0, m[GrpoRewardFunctions.ErrorsMetric].Values.Single());
        // The extras enter the reward through the outcome weight 0.25 of the recipe: r = 0.25·(r_out + 2·length) + 0.75·r_PRM.
        Assert.Equal(plain[MetricNames.Reward].Values.Single() + 0.25 * 2 * length, m[MetricNames.Reward].Values.Single(), 9);
    }

    [Fact]
    public void Judge_TimeOutOrException_ScoresNull()
    {
        var watch = Stopwatch.StartNew();
        Assert.Null(GrpoRewardFunctions.TimeLimited(() => { Thread.Sleep(5000); return 1; }, TimeSpan.FromMilliseconds(100)));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3));
        Assert.Null(GrpoRewardFunctions.TimeLimited(() => throw new InvalidOperationException("bad"), TimeSpan.FromSeconds(5)));
        Assert.Null(GrpoRewardFunctions.TimeLimited(() => double.NaN, TimeSpan.FromSeconds(5)));
        Assert.Equal(0.5, GrpoRewardFunctions.TimeLimited(() => 0.5, TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData("x \\boxed{12}", true)]
    [InlineData("\\boxed{\\frac{1}{2}} done", true)]
    [InlineData("\\boxed{12", false)]
    [InlineData("no box", false)]
    public void HasClosedBox(string text, bool expected) => Assert.Equal(expected, GrpoRewardFunctions.HasClosedBox(text));
}
