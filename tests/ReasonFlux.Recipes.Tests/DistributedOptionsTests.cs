using ReasonFlux.Recipes.Loading;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Recipes.Tests;

/// <summary>The run-level distributed: section, in the file and through --set, in both recipe forms.</summary>
public class DistributedOptionsTests
{
    private const string Pipeline = """
        run_name: demo
        distributed:
          timeout_s: 120
        stages:
          - kind: sft
            model: {path: "builtin:tiny"}
            data: {train: s.jsonl}
        """;

    private const string SingleStage = """
        kind: sft
        model: {path: "builtin:tiny"}
        data: {train: s.jsonl}
        """;

    [Fact]
    public void Defaults_AreAutoBackend_600Seconds_Zero0()
    {
        var d = RecipeLoader.Parse(SingleStage, "s.yaml").Header.Distributed;
        Assert.Equal((DistributedBackend.Auto, 600, 0, (int?)null), (d.Backend, d.TimeoutS, d.Zero, d.MasterPort));
    }

    [Theory]
    [InlineData(Pipeline)]
    [InlineData(SingleStage)]
    public void Set_ReachesRunLevelSectionKeys(string yaml)
    {
        var d = RecipeLoader.Parse(yaml, "r.yaml", ["distributed.timeout_s=30", "distributed.master_port=31000", "distributed.backend=gloo"]).Header.Distributed;
        Assert.Equal((30, 31000, DistributedBackend.Gloo), (d.TimeoutS, d.MasterPort, d.Backend));
    }

    [Fact]
    public void FileValue_IsRead()
    {
        Assert.Equal(120, RecipeLoader.Parse(Pipeline, "p.yaml").Header.Distributed.TimeoutS);
    }

    [Fact]
    public void Zero1_IsAccepted_AStageAboveOneIsRefusedNamingTheKey()
    {
        Assert.Equal(1, RecipeLoader.Parse(Pipeline, "p.yaml", ["distributed.zero=1"]).Header.Distributed.Zero);
        var e = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(Pipeline, "p.yaml", ["distributed.zero=2"]));
        Assert.Contains("distributed.zero", e.Message);
    }

    [Fact]
    public void Set_UnknownDistributedKey_SuggestsTheRightOne()
    {
        var e = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(Pipeline, "p.yaml", ["distributed.timeout=30"]));
        Assert.Contains("timeout_s", e.Message);
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("cpu")]
    [InlineData("cuda")]
    [InlineData("cuda:3")]
    public void ModelDevice_AcceptsAutoCpuCudaAndCudaN(string device)
    {
        var sft = (SftOptions)RecipeLoader.Parse(SingleStage, "s.yaml", [$"model.device={device}"]).Stages[0];
        Assert.Equal(device, sft.Model.Device);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    public void ModelDevice_Other_IsRefusedNamingTheKey(string device)
    {
        var e = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(SingleStage, "s.yaml", [$"model.device={device}"]));
        Assert.Contains("model.device", e.Message);
        Assert.Contains("expected auto, cpu, cuda or cuda:N", e.Message);
    }

    private const string Grpo = """
        kind: grpo
        model: {path: "builtin:tiny"}
        data: {train: g.jsonl}
        """;

    [Theory]
    [InlineData("reward.prm.device")]
    [InlineData("algorithm.reference_device")]
    public void GrpoPrmAndReferenceDevice_AcceptDevices_AndRefuseOthersNamingTheKey(string key)
    {
        foreach (var device in new[] { "auto", "cpu", "cuda", "cuda:1" })
        {
            var g = (GrpoOptions)RecipeLoader.Parse(Grpo, "g.yaml", [$"{key}={device}"]).Stages[0];
            Assert.Equal(device, key.StartsWith("reward", StringComparison.Ordinal) ? g.Reward.Prm.Device : g.Algorithm.ReferenceDevice);
        }
        var e = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(Grpo, "g.yaml", [$"{key}=gpu1"]));
        Assert.Contains(key, e.Message);
        Assert.Contains("expected auto, cpu, cuda or cuda:N", e.Message);
    }
}
