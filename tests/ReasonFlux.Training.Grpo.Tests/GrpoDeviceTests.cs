using ReasonFlux.Torch;
using ReasonFlux.Training.Grpo;

namespace ReasonFlux.Training.Grpo.Tests;

/// <summary>reward.prm.device and algorithm.reference_device reach the PRM factory and the reference model.</summary>
[Collection("GrpoStatics")]
public sealed class GrpoDeviceTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "rf-grpo-dev-" + Guid.NewGuid().ToString("N"));

    public GrpoDeviceTests() => GrpoTestKit.WriteInputs(_dir);

    public void Dispose() => Directory.Delete(_dir, true);

    [Theory]
    [InlineData("auto")]
    [InlineData("cpu")]
    public void PrmDevice_IsWhatTheFactoryGets_AutoBeingThePolicysDevice(string device)
    {
        var given = new List<Device>();
        var runner = new GrpoRunner { ProcessRewardModelFactory = (_, d) => { given.Add(d); return new LowercasePrm(); } };
        var stage = GrpoTestKit.Run(runner, GrpoTestKit.Recipe(_dir, $"{_dir}/runs-{device}", steps: 1),
            $"reward.prm.device={device}", "model.device=cpu", "algorithm.beta_kl=0.01", "algorithm.reference_device=cpu");
        Assert.Equal([Device.CPU], given);
        Assert.True(File.Exists(Path.Combine(stage, "output", "model.safetensors")));
    }

    [Theory]
    [InlineData("reward.prm.device")]
    [InlineData("algorithm.reference_device")]
    public void ACudaDeviceThisMachineLacks_FailsWhenTheStageStarts_NamingTheKey(string key)
    {
        bool cuda = torch.cuda.is_available();
        var missing = cuda ? $"cuda:{torch.cuda.device_count()}" : "cuda:0";
        var runner = new GrpoRunner { ProcessRewardModelFactory = (_, _) => new LowercasePrm() };
        var e = Assert.Throws<InvalidDataException>(() => GrpoTestKit.Run(runner, GrpoTestKit.Recipe(_dir, $"{_dir}/runs-missing", steps: 1),
            $"{key}={missing}", "model.device=cpu", "algorithm.beta_kl=0.01"));
        Assert.Contains($"{key} is {missing} but this", e.Message);
    }
}
