using System.CommandLine;
using ReasonFlux.Cli.Commands;
using ReasonFlux.Runs;
using ReasonFlux.Training;

TrainingStages.RegisterAll(StageRunnerRegistry.Default);

var root = new RootCommand("ReasonFlux.Rl: GRPO with trajectory-aware process rewards (ReasonFlux-PRM).");
// Each verb lives in its own file under Commands/ and exposes Create().
foreach (var command in new Command[]
{
    TrainCommand.Create(),
    LaunchCommand.Create(),
    TokenizeCommand.Create(),
    GradeCommand.Create(),
    LogprobsCommand.Create(),
    GenerateCommand.Create(),
    EvalCommand.Create(),
    PrmScoreCommand.Create(),
    SelectCommand.Create(),
    PrmDataCommand.Create(),
    PlotCommand.Create(),
    MakeDataCommand.Create(),
})
{
    root.Subcommands.Add(command);
}
return root.Parse(args).Invoke();
