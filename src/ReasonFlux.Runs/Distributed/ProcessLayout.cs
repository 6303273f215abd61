using System.Globalization;

namespace ReasonFlux.Runs.Distributed;

/// <summary>Who started the processes of a run.</summary>
public enum LayoutSource
{
    /// <summary>No launcher variables: one process.</summary>
    Single,
    /// <summary>torchrun's contract (also what <c>reasonflux launch</c> sets): RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT.</summary>
    Torchrun,
    /// <summary><c>srun</c>: SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, SLURM_JOB_NODELIST, SLURM_JOB_ID.</summary>
    Slurm,
}

/// <summary>
/// This process's place in the run, read once from the environment by the CLI: rank, world size, local rank and
/// where rank 0's rendezvous store listens. Nothing here connects; <see cref="DistributedContext.Join"/> does.
/// </summary>
public sealed record ProcessLayout(LayoutSource Source, int Rank, int WorldSize, int LocalRank, int LocalWorldSize, string MasterAddress, int MasterPort)
{
    /// <summary>The default rendezvous port of torchrun and <c>reasonflux launch</c>.</summary>
    public const int DefaultPort = 29500;

    public static ProcessLayout Single { get; } = new(LayoutSource.Single, 0, 1, 0, 1, "127.0.0.1", DefaultPort);

    /// <summary>
    /// torchrun's variables when RANK is set (they win: <c>reasonflux launch</c> inside an sbatch script), else
    /// SLURM's when SLURM_NTASKS is set, else one process. <paramref name="recipePort"/> is distributed.master_port.
    /// </summary>
    public static ProcessLayout FromEnvironment(Func<string, string?> variable, int? recipePort)
    {
        if (variable("RANK") is not null)
        {
            int world = Int(variable, "WORLD_SIZE", LayoutSource.Torchrun);
            int rank = Int(variable, "RANK", LayoutSource.Torchrun);
            int localRank = variable("LOCAL_RANK") is null ? rank : Int(variable, "LOCAL_RANK", LayoutSource.Torchrun);
            int localWorld = variable("LOCAL_WORLD_SIZE") is null ? world : Int(variable, "LOCAL_WORLD_SIZE", LayoutSource.Torchrun);
            var address = variable("MASTER_ADDR") is { Length: > 0 } a ? a
                : throw new InvalidDataException("environment: RANK is set but MASTER_ADDR is not (torchrun's contract: RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT)");
            int port = variable("MASTER_PORT") is null ? recipePort ?? DefaultPort : Int(variable, "MASTER_PORT", LayoutSource.Torchrun);
            return Checked(new ProcessLayout(LayoutSource.Torchrun, rank, world, localRank, localWorld, address, port));
        }
        if (variable("SLURM_NTASKS") is not null)
        {
            int world = Int(variable, "SLURM_NTASKS", LayoutSource.Slurm);
            int rank = Int(variable, "SLURM_PROCID", LayoutSource.Slurm);
            int localRank = Int(variable, "SLURM_LOCALID", LayoutSource.Slurm);
            int localWorld = TasksPerNode(variable, world);
            if (world == 1) return Single with { Source = LayoutSource.Slurm };
            var nodes = variable("SLURM_JOB_NODELIST") ?? variable("SLURM_NODELIST")
                ?? throw new InvalidDataException("environment: SLURM_NTASKS is set but SLURM_JOB_NODELIST is not, so rank 0's host is unknown");
            string master;
            try { master = SlurmNodeList.First(nodes); }
            catch (FormatException e) { throw new InvalidDataException($"environment: SLURM_JOB_NODELIST: {e.Message}"); }
            int port = recipePort ?? (variable("SLURM_JOB_ID") is { } id
                ? PortFromJobId(Int(variable, "SLURM_JOB_ID", LayoutSource.Slurm))
                : throw new InvalidDataException("environment: under SLURM without SLURM_JOB_ID set distributed.master_port in the recipe"));
            return Checked(new ProcessLayout(LayoutSource.Slurm, rank, world, localRank, localWorld, master, port));
        }
        return Single;
    }

    /// <summary>A port per job, so two jobs sharing a node do not collide: 20000 + job id mod 20000.</summary>
    public static int PortFromJobId(long jobId) => 20000 + (int)(jobId % 20000);

    /// <summary>"rank 1 of 4 (local 1 of 2, torchrun), rendezvous 10.0.0.1:29500"; "one process" for world 1.</summary>
    public string Describe() => WorldSize == 1
        ? "one process"
        : $"rank {Rank} of {WorldSize} (local rank {LocalRank} of {LocalWorldSize}, from {Source.ToString().ToLowerInvariant()}), rendezvous {MasterAddress}:{MasterPort}";

    private static int TasksPerNode(Func<string, string?> variable, int world)
    {
        // SLURM_TASKS_PER_NODE is "4(x2)" or "4,3": the first count is this layout's node size for block distribution.
        var text = variable("SLURM_NTASKS_PER_NODE") ?? variable("SLURM_TASKS_PER_NODE");
        if (text is null) return world;
        var digits = new string(text.TakeWhile(char.IsAsciiDigit).ToArray());
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : world;
    }

    private static int Int(Func<string, string?> variable, string name, LayoutSource source)
    {
        var text = variable(name) ?? throw new InvalidDataException($"environment: {name} is not set ({Contract(source)})");
        return int.TryParse(text, NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out var v)
            ? v : throw new InvalidDataException($"environment: {name}=\"{text}\" is not an integer");
    }

    private static string Contract(LayoutSource source) => source == LayoutSource.Slurm
        ? "srun sets SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, SLURM_JOB_NODELIST, SLURM_JOB_ID"
        : "torchrun's contract: RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT";

    private static ProcessLayout Checked(ProcessLayout l)
    {
        var where = l.Source == LayoutSource.Slurm ? "SLURM_PROCID/SLURM_NTASKS" : "RANK/WORLD_SIZE";
        if (l.WorldSize < 1) throw new InvalidDataException($"environment: world size {l.WorldSize} must be at least 1");
        if (l.Rank < 0 || l.Rank >= l.WorldSize) throw new InvalidDataException($"environment: rank {l.Rank} is outside [0, {l.WorldSize}) ({where})");
        if (l.LocalRank < 0 || l.LocalRank >= Math.Max(l.LocalWorldSize, 1)) throw new InvalidDataException($"environment: local rank {l.LocalRank} is outside [0, {l.LocalWorldSize})");
        if (l.MasterPort is <= 0 or > 65535) throw new InvalidDataException($"environment: master port {l.MasterPort} is outside 1..65535");
        return l;
    }
}
