using System.CommandLine;
using ReasonFlux.Runs;

namespace ReasonFlux.Cli.Commands;

/// <summary><c>reasonflux plot RUN [--output DIR] [--format png|svg]</c>: curves of every metric in metrics.jsonl.</summary>
public static class PlotCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("run") { Description = "Run folder, stage folder, or metrics.jsonl file" };
        var output = new Option<string?>("--output") { Description = "Folder for the plots (default: RUN/plots)" };
        var format = new Option<string>("--format")
        {
            Description = "Image format: png or svg",
            DefaultValueFactory = _ => "png",
        };
        format.AcceptOnlyFromAmong("svg", "png");

        var command = new Command("plot", "Plot reward, accuracy, KL, response length, loss and every other metric of a run");
        command.Arguments.Add(run);
        command.Options.Add(output);
        command.Options.Add(format);
        command.SetAction(parseResult => CommandRunner.Run(() =>
        {
            var plotFormat = parseResult.GetValue(format) == "svg" ? PlotFormat.Svg : PlotFormat.Png;
            var files = RunPlotter.Plot(parseResult.GetValue(run)!, parseResult.GetValue(output), plotFormat);
            foreach (var f in files) Console.Out.WriteLine(f);
            return ExitCodes.Success;
        }));
        return command;
    }
}
