using System.CommandLine;
using ReasonFlux.Cli.Commands;

namespace ReasonFlux.Training.Tests;

/// <summary>Runs a verb the way Program.cs does.</summary>
internal static class CliVerbs
{
    public static int Invoke(params string[] args)
    {
        var root = new RootCommand("test") { LogprobsCommand.Create(), GenerateCommand.Create(), EvalCommand.Create() };
        return root.Parse(args).Invoke();
    }
}
