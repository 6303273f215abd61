using ReasonFlux.Recipes.Options;
using ReasonFlux.Runs.Distributed;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Cli;

/// <summary>Joins this process to the run's other ranks with the recipe's distributed settings (composition root).</summary>
public static class DistributedSetup
{
    /// <summary>This process's place in the run, from launch/torchrun or srun variables (else one process); nothing connects.</summary>
    public static ProcessLayout Layout(DistributedOptions options) =>
        ProcessLayout.FromEnvironment(Environment.GetEnvironmentVariable, options.MasterPort);

    /// <param name="layout">This process's place in the run.</param>
    /// <param name="options">The recipe's distributed: section.</param>
    /// <param name="allOnCpu">Every stage's model.device is cpu: backend auto then means Gloo even where CUDA exists.</param>
    public static DistributedContext Join(ProcessLayout layout, DistributedOptions options, bool allOnCpu = false)
    {
        var timeout = TimeSpan.FromSeconds(options.TimeoutS);
        // The model's device decides auto: the same rule as ModelResolver.TrainingDevice.
        bool onGpu = !allOnCpu && torch.cuda.is_available();
        var backend = options.Backend switch
        {
            DistributedBackend.Gloo => distributed.Backend.Gloo,
            DistributedBackend.Nccl => distributed.Backend.Nccl,
            _ => onGpu ? distributed.Backend.Nccl : distributed.Backend.Gloo,
        };
        var device = backend == distributed.Backend.Nccl ? Device.CUDA(layout.LocalRank % Math.Max(1, torch.cuda.device_count())) : Device.CPU;
        return DistributedContext.Join(layout, backend, device, timeout, shardOptimizerState: options.Zero == 1);
    }
}
