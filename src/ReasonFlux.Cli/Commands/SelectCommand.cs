using System.CommandLine;
using ReasonFlux.Training.Select;

namespace ReasonFlux.Cli.Commands;

/// <summary>
/// <c>reasonflux select --prm DIR --input pool.jsonl --top-k K --output selected.jsonl</c>: offline data selection
/// (reasonflux-prm.md §4). Scores every (question, trajectory, response) record with the PRM, writes the top K,
/// best first, with "prm_score" and "prompt"/"completion" for an sft stage, plus NAME.scores.jsonl (every record's
/// score, rank and whether it was kept) and NAME.histogram.svg beside the output. The logic lives in <see cref="PrmDataSelection"/>.
/// </summary>
public static class SelectCommand
{
    public static Command Create()
    {
        var prm = PrmScoreCommand.PrmOptions.Create();
        var input = new Option<string>("--input") { Description = "Pool JSONL: one {question, trajectory, response} per line (trajectory optional).", Required = true };
        var output = new Option<string>("--output") { Description = "Where to write the selected records (selected.jsonl).", Required = true };
        var topK = new Option<int>("--top-k") { Description = "Records kept (exactly this many; the paper keeps 1000).", Required = true };
        var questionKey = new Option<string>("--question-key") { Description = "Field holding the question.", DefaultValueFactory = _ => "question" };
        var trajectoryKey = new Option<string>("--trajectory-key") { Description = "Field holding the thinking trajectory.", DefaultValueFactory = _ => "trajectory" };
        var responseKey = new Option<string>("--response-key") { Description = "Field holding the final response.", DefaultValueFactory = _ => "response" };

        var command = new Command("select", "Keep the top-K pool records by PRM score for SFT (ReasonFlux-PRM offline data selection).");
        prm.AddTo(command);
        foreach (var o in new Option[] { input, output, topK, questionKey, trajectoryKey, responseKey }) command.Options.Add(o);
        command.SetAction(parseResult => CommandRunner.Run(() =>
        {
            int k = parseResult.GetValue(topK);
            if (k < 1) throw new ArgumentException($"--top-k must be ≥ 1, got {k}");
            var outputs = SelectionOutputs.Beside(parseResult.GetValue(output)!);
            var keys = new SelectionKeys(parseResult.GetValue(questionKey)!, parseResult.GetValue(trajectoryKey)!, parseResult.GetValue(responseKey)!);
            var pool = parseResult.GetValue(input)!;
            // Check every record and top_k before the (possibly large) model is loaded.
            PrmDataSelection.CheckTopK(pool, SelectionPool.Validate(pool, keys, prm.Scoring(parseResult).StepSeparator), k);
            using var scorer = prm.Load(parseResult);
            var summary = PrmDataSelection.Run(scorer, pool, k, outputs, keys);
            Console.WriteLine($"kept {summary.Selected} of {summary.PoolSize} records ({PrmScoreCommand.Describe(scorer)}): threshold {summary.Threshold:0.####}, " +
                $"mean score {summary.MeanScore:0.####}, kept mean {summary.MeanSelectedScore:0.####}, {summary.Truncated} inputs truncated");
            Console.WriteLine($"wrote {outputs.Selected}, {outputs.Scores}, {outputs.Histogram}");
            return ExitCodes.Success;
        }));
        return command;
    }
}
