using System.CommandLine;
using ReasonFlux.Runs;

namespace ReasonFlux.Cli.Commands;

/// <summary><c>reasonflux plot RUN [--output DIR] [--format svg]</c>: SVG curves of every metric in metrics.jsonl.</summary>
public static class PlotCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("run") { Description = "Run folder, stage folder, or metrics.jsonl file" };
        var output = new Option<string?>("--output") { Description = "Folder for the plots (default: RUN/plots)" };
        var format = new Option<string>("--format")
        {
            Description = "Image format: svg (png is not available without extra packages)",
            DefaultValueFactory = _ => "svg",
        };
        format.AcceptOnlyFromAmong("svg", "png");

        var command = new Command("plot", "Plot reward, accuracy, KL, response length, loss and every other metric of a run");
        command.Arguments.Add(run);
        command.Options.Add(output);
        command.Options.Add(format);
        command.SetAction(parseResult => CommandRunner.Run(() =>
        {
            if (parseResult.GetValue(format) == "png")
                throw new ArgumentException("--format png is not supported: reasonflux writes SVG; convert with e.g. rsvg-convert -o out.png in.svg");
            var files = RunPlotter.Plot(parseResult.GetValue(run)!, parseResult.GetValue(output));
            foreach (var f in files) Console.Out.WriteLine(f);
            return ExitCodes.Success;
        }));
        return command;
    }
}
