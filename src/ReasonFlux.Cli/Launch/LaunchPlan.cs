namespace ReasonFlux.Cli.Launch;

/// <summary>
/// What <c>reasonflux launch</c> starts on this node: <see cref="ProcessesPerNode"/> copies of
/// <see cref="Command"/> with torchrun's environment contract, ranks node_rank·N … node_rank·N + N − 1.
/// </summary>
public sealed record LaunchPlan(int ProcessesPerNode, int Nodes, int NodeRank, string MasterAddress, int MasterPort, IReadOnlyList<string> Command)
{
    public int WorldSize => ProcessesPerNode * Nodes;

    /// <summary>The global rank of local process <paramref name="localRank"/>.</summary>
    public int RankOf(int localRank) => NodeRank * ProcessesPerNode + localRank;

    /// <summary>RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR, MASTER_PORT of one local process.</summary>
    public IReadOnlyDictionary<string, string> Environment(int localRank) => new Dictionary<string, string>
    {
        ["RANK"] = RankOf(localRank).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["LOCAL_RANK"] = localRank.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["WORLD_SIZE"] = WorldSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["LOCAL_WORLD_SIZE"] = ProcessesPerNode.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["GROUP_RANK"] = NodeRank.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["MASTER_ADDR"] = MasterAddress,
        ["MASTER_PORT"] = MasterPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Every problem with the numbers, as messages (empty when valid).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (ProcessesPerNode < 1) problems.Add($"--nproc-per-node {ProcessesPerNode}: must be at least 1");
        if (Nodes < 1) problems.Add($"--nnodes {Nodes}: must be at least 1");
        if (NodeRank < 0 || NodeRank >= Math.Max(Nodes, 1)) problems.Add($"--node-rank {NodeRank}: must be in [0, {Nodes})");
        if (MasterPort is < 1 or > 65535) problems.Add($"--master-port {MasterPort}: must be in 1..65535");
        if (string.IsNullOrWhiteSpace(MasterAddress)) problems.Add("--master-addr: empty");
        if (Command.Count == 0 || Command[0] != "train")
            problems.Add($"the command after -- must be a train command (reasonflux launch --nproc-per-node 2 -- train RECIPE), got \"{string.Join(' ', Command)}\"");
        return problems;
    }
}
