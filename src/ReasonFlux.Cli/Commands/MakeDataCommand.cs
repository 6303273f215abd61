using System.CommandLine;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Training.Data;

namespace ReasonFlux.Cli.Commands;

/// <summary>
/// <c>reasonflux make-data quickstart --seed S --out DIR</c>: writes the quickstart task with the data stage's
/// defaults (recipes/REFERENCE.md, kind: data); a recipe's data stage changes sizes and difficulty.
/// </summary>
public static class MakeDataCommand
{
    public static Command Create()
    {
        var task = new Argument<string>("task") { Description = "Task to generate: quickstart" };
        task.AcceptOnlyFromAmong("quickstart");
        var seed = new Option<long>("--seed") { Description = "Seed of problems and traces", DefaultValueFactory = _ => 1 };
        var prmPolicy = new Option<int>("--prm-policy")
        {
            Description = "Also write this many problems to prm_problems.jsonl, for a label stage's on-policy PRM data (the data stage's sizes.prm_policy); 0: not written",
            DefaultValueFactory = _ => 0,
        };
        var output = new Option<string>("--out") { Description = "Folder to write eval/sft/grpo/pool/prm .jsonl and data.json into", Required = true };

        var command = new Command("make-data", "Generate a built-in task: held-out problems, SFT solutions, GRPO prompts, a mixed-quality pool and step-labelled PRM data");
        command.Arguments.Add(task);
        command.Options.Add(seed);
        command.Options.Add(prmPolicy);
        command.Options.Add(output);
        command.SetAction(parseResult => CommandRunner.Run(() =>
        {
            int policyProblems = parseResult.GetValue(prmPolicy);
            if (policyProblems < 0) throw new ArgumentException($"--prm-policy must be >= 0, got {policyProblems}");
            var options = new DataStageOptions
            {
                Task = DataTask.Quickstart,
                Seed = parseResult.GetValue(seed),
                Sizes = new QuickstartSizeOptions { PrmPolicy = policyProblems },
            };
            var summary = TaskData.Write(options, parseResult.GetValue(output)!);
            foreach (var (file, lines) in summary.Lines) Console.Out.WriteLine($"{Path.Combine(summary.Directory, file)}: {lines} lines");
            return ExitCodes.Success;
        }));
        return command;
    }
}
