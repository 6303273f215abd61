using ReasonFlux.Runs.Distributed;

namespace ReasonFlux.Runs.Tests;

public class ProcessLayoutTests
{
    private static Func<string, string?> Env(params (string Key, string Value)[] vars)
    {
        var map = vars.ToDictionary(v => v.Key, v => v.Value);
        return k => map.GetValueOrDefault(k);
    }

    [Theory]
    [InlineData("gpu01", "gpu01")]
    [InlineData("gpu[01-04,07]", "gpu01,gpu02,gpu03,gpu04,gpu07")]
    [InlineData("gpu[08-10]", "gpu08,gpu09,gpu10")]
    [InlineData("a[1-2],b3,c[9-10]", "a1,a2,b3,c9,c10")]
    [InlineData("rack[1-2]-n[3-4]", "rack1-n3,rack1-n4,rack2-n3,rack2-n4")]
    [InlineData("node-7,gpu[001-002]", "node-7,gpu001,gpu002")]
    public void SlurmNodeList_Expands_LikeScontrolShowHostnames(string list, string expected) =>
        Assert.Equal(expected.Split(','), SlurmNodeList.Expand(list));

    [Theory]
    [InlineData("gpu[01-")]
    [InlineData("gpu]01[")]
    [InlineData("gpu[04-01]")]
    [InlineData("gpu[a-b]")]
    [InlineData("")]
    public void SlurmNodeList_Malformed_IsAFormatErrorNamingTheList(string list)
    {
        var e = Assert.Throws<FormatException>(() => SlurmNodeList.Expand(list));
        Assert.Contains($"\"{list}\"", e.Message);
    }

    [Fact]
    public void NoLauncherVariables_IsOneProcess()
    {
        var layout = ProcessLayout.FromEnvironment(Env(), recipePort: null);
        Assert.Equal(LayoutSource.Single, layout.Source);
        Assert.Equal((0, 1, 0), (layout.Rank, layout.WorldSize, layout.LocalRank));
    }

    [Fact]
    public void Torchrun_ReadsTheWholeContract()
    {
        var layout = ProcessLayout.FromEnvironment(Env(("RANK", "3"), ("LOCAL_RANK", "1"), ("WORLD_SIZE", "4"), ("LOCAL_WORLD_SIZE", "2"),
            ("MASTER_ADDR", "10.0.0.5"), ("MASTER_PORT", "29400")), recipePort: 1234);
        Assert.Equal(new ProcessLayout(LayoutSource.Torchrun, 3, 4, 1, 2, "10.0.0.5", 29400), layout);
    }

    [Fact]
    public void Torchrun_WinsOverSlurm_LaunchInsideAnAllocation()
    {
        var layout = ProcessLayout.FromEnvironment(Env(("RANK", "1"), ("WORLD_SIZE", "2"), ("MASTER_ADDR", "127.0.0.1"), ("MASTER_PORT", "29500"),
            ("SLURM_NTASKS", "1"), ("SLURM_PROCID", "0"), ("SLURM_LOCALID", "0")), null);
        Assert.Equal((LayoutSource.Torchrun, 1, 2), (layout.Source, layout.Rank, layout.WorldSize));
    }

    [Fact]
    public void Slurm_RankFromProcId_MasterFromFirstHost_PortFromJobId()
    {
        var layout = ProcessLayout.FromEnvironment(Env(("SLURM_PROCID", "9"), ("SLURM_NTASKS", "16"), ("SLURM_LOCALID", "1"),
            ("SLURM_NTASKS_PER_NODE", "8(x2)"), ("SLURM_JOB_NODELIST", "gpu[03-04]"), ("SLURM_JOB_ID", "123456")), recipePort: null);
        Assert.Equal(new ProcessLayout(LayoutSource.Slurm, 9, 16, 1, 8, "gpu03", 20000 + 123456 % 20000), layout);
    }

    [Fact]
    public void Slurm_RecipePortWins()
    {
        var layout = ProcessLayout.FromEnvironment(Env(("SLURM_PROCID", "0"), ("SLURM_NTASKS", "2"), ("SLURM_LOCALID", "0"),
            ("SLURM_JOB_NODELIST", "n1"), ("SLURM_JOB_ID", "7")), recipePort: 31000);
        Assert.Equal(31000, layout.MasterPort);
    }

    [Theory]
    [InlineData("RANK", "x", "RANK=\"x\" is not an integer")]
    [InlineData("RANK", "5", "rank 5 is outside [0, 2)")]
    public void Torchrun_BadValues_AreClearErrors(string key, string value, string message)
    {
        var vars = new Dictionary<string, string> { ["RANK"] = "0", ["WORLD_SIZE"] = "2", ["MASTER_ADDR"] = "h", ["MASTER_PORT"] = "1" };
        vars[key] = value;
        var e = Assert.Throws<InvalidDataException>(() => ProcessLayout.FromEnvironment(k => vars.GetValueOrDefault(k), null));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Torchrun_WithoutMasterAddr_NamesTheVariable()
    {
        var e = Assert.Throws<InvalidDataException>(() => ProcessLayout.FromEnvironment(Env(("RANK", "0"), ("WORLD_SIZE", "2")), null));
        Assert.Contains("MASTER_ADDR", e.Message);
    }

    [Fact]
    public void Slurm_BadNodeList_NamesTheVariable()
    {
        var e = Assert.Throws<InvalidDataException>(() => ProcessLayout.FromEnvironment(Env(("SLURM_PROCID", "0"), ("SLURM_NTASKS", "2"),
            ("SLURM_LOCALID", "0"), ("SLURM_JOB_NODELIST", "gpu[1-"), ("SLURM_JOB_ID", "1")), null));
        Assert.Contains("SLURM_JOB_NODELIST", e.Message);
    }
}
