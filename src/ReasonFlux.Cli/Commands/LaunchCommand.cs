using System.CommandLine;
using ReasonFlux.Cli.Launch;
using ReasonFlux.Runs.Distributed;

namespace ReasonFlux.Cli.Commands;

/// <summary>
/// <c>reasonflux launch --nproc-per-node N [--nnodes M --node-rank R --master-addr A --master-port P] -- train RECIPE ...</c>:
/// starts N ranks of the train command on this node with torchrun's environment contract (<see cref="RankProcesses"/>).
/// Under SLURM use <c>srun reasonflux train RECIPE</c> instead (one task per GPU); no launcher is needed.
/// </summary>
public static class LaunchCommand
{
    public static Command Create()
    {
        var perNode = new Option<int>("--nproc-per-node") { Description = "Processes (ranks) on this node, one per GPU", Required = true };
        var nodes = new Option<int>("--nnodes") { Description = "Nodes in the job (run launch once on each)", DefaultValueFactory = _ => 1 };
        var nodeRank = new Option<int>("--node-rank") { Description = "This node's index in [0, nnodes)", DefaultValueFactory = _ => 0 };
        var address = new Option<string>("--master-addr") { Description = "Host of rank 0 (node 0)", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--master-port") { Description = "Port of rank 0's rendezvous store", DefaultValueFactory = _ => ProcessLayout.DefaultPort };
        var command = new Argument<string[]>("command") { Description = "After --: the train command each rank runs (train RECIPE [--set ...] [--resume auto])", Arity = ArgumentArity.OneOrMore };

        var verb = new Command("launch", "Start N data-parallel ranks of a train command on this node (torchrun's environment contract); exits 75 when every rank saved after SIGTERM");
        verb.Options.Add(perNode);
        verb.Options.Add(nodes);
        verb.Options.Add(nodeRank);
        verb.Options.Add(address);
        verb.Options.Add(port);
        verb.Arguments.Add(command);
        verb.SetAction(parseResult => CommandRunner.Run(() =>
        {
            var plan = new LaunchPlan(parseResult.GetValue(perNode), parseResult.GetValue(nodes), parseResult.GetValue(nodeRank),
                parseResult.GetValue(address)!, parseResult.GetValue(port), parseResult.GetValue(command) ?? []);
            var problems = plan.Problems();
            if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));
            return new RankProcesses(plan, Console.Out, Console.Error).Run();
        }));
        return verb;
    }
}
