using System.CommandLine;
using ReasonFlux.Grading;

namespace ReasonFlux.Cli.Commands;

/// <summary>
/// reasonflux grade --input cases.jsonl --output out.jsonl [--mode response|answer] [--lenient]: grades {"gold", "pred", "task"?} lines and
/// writes them back with "equal" and "extracted". The logic lives in <see cref="JsonlGrading"/>.
/// </summary>
public static class GradeCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--input") { Description = "JSONL with \"gold\", \"pred\" (a full response) and optional \"task\" (math|choice).", Required = true };
        var output = new Option<string>("--output") { Description = "Where to write the graded JSONL (input fields plus \"equal\" and \"extracted\").", Required = true };
        var mode = new Option<string>("--mode")
        {
            Description = "response: \"pred\" is a model response and its final answer is extracted (box, \"Answer:\", …; RL-safe). " +
                "answer: \"pred\" is an answer: the whole text when it reads as math ($…$, \\(…\\), \\[…\\] stripped), else its last math span, else its last whole number.",
            DefaultValueFactory = _ => "response",
        };
        mode.AcceptOnlyFromAmong("response", "answer");
        var lenient = new Option<bool>("--lenient") { Description = "Fall back to the last math span or number when a response has no answer marker (evaluation of plain-text models; not for RL rewards)." };
        var timeLimit = new Option<double>("--time-limit") { Description = "Seconds allowed per comparison; a timeout counts as not equal.", DefaultValueFactory = _ => 2.0 };

        var command = new Command("grade", "Grade model responses against gold answers (math equivalence or multiple-choice letters).");
        command.Options.Add(input);
        command.Options.Add(output);
        command.Options.Add(mode);
        command.Options.Add(lenient);
        command.Options.Add(timeLimit);
        command.SetAction(parseResult => CommandRunner.Run(() =>
        {
            double seconds = parseResult.GetValue(timeLimit);
            if (!(seconds > 0)) throw new ArgumentException($"--time-limit must be positive, got {seconds}");
            var options = new GradingOptions
            {
                LenientFallback = parseResult.GetValue(lenient),
                TimeLimit = TimeSpan.FromSeconds(seconds),
            };
            var gradingMode = parseResult.GetValue(mode) == "answer" ? GradingMode.Answer : GradingMode.Response;
            var summary = JsonlGrading.GradeFile(parseResult.GetValue(input)!, parseResult.GetValue(output)!, options, gradingMode);
            double rate = summary.Lines == 0 ? 0 : 100.0 * summary.Equal / summary.Lines;
            Console.WriteLine($"graded {summary.Lines} lines: {summary.Equal} equal ({rate:F2}%), {summary.NoAnswer} without an answer");
            return ExitCodes.Success;
        }));
        return command;
    }
}
