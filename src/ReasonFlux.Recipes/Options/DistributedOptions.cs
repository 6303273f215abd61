using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Recipes.Options;

/// <summary>Which c10d backend carries the collectives.</summary>
public enum DistributedBackend
{
    /// <summary>NCCL when the model is on a CUDA device, Gloo otherwise.</summary>
    Auto,
    Gloo,
    Nccl,
}

/// <summary>
/// Run-level settings of a data-parallel run. The processes themselves come from <c>reasonflux launch</c>
/// (torchrun's RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT), from <c>srun</c> (SLURM_PROCID/SLURM_NTASKS/
/// SLURM_JOB_NODELIST), or there is one process (docs/scaling.md, "Distributed runs").
/// </summary>
public sealed record DistributedOptions
{
    [Doc("c10d backend: auto (NCCL for CUDA models, Gloo on the CPU), gloo or nccl.")]
    public DistributedBackend Backend { get; init; } = DistributedBackend.Auto;

    [Doc("Port of rank 0's rendezvous store when SLURM starts the processes (srun); null: 20000 + SLURM_JOB_ID mod 20000. Under reasonflux launch or torchrun MASTER_PORT wins.")]
    [ValueRange(1, 65535)]
    public int? MasterPort { get; init; }

    [Doc("Seconds a rendezvous or collective may wait for the other ranks before the run fails, naming the rank.")]
    [ValueRange(1, 86400)]
    public int TimeoutS { get; init; } = 600;

    [Doc("ZeRO stage: 0 replicates the AdamW moments and master weights on every rank; 1 shards them (each rank holds and steps about 1/world of the parameters, whole parameters, then broadcasts its updated ones): the same weights, 1/world of the optimizer memory. Checkpoints hold the full state, one optimizer-shard-K-of-N.safetensors per owner (written by rank 0 as the owners stream them) indexed by parameter name, so a run resumes with any world size and either stage.")]
    [ValueRange(0, 1)]
    public int Zero { get; init; }
}
