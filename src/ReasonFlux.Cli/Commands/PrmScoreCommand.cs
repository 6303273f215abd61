using System.CommandLine;
using ReasonFlux.Rewards;
using ReasonFlux.Torch;

namespace ReasonFlux.Cli.Commands;

/// <summary>
/// <c>reasonflux prm-score --prm DIR --input in.jsonl --output out.jsonl [--mode paper|released-code] [--alpha A]</c>:
/// scores {"problem", "response"} or {"problem", "steps": [...]} lines with a ReasonFlux-PRM and writes them back
/// with "step_scores", "final_score", "score" (r̂) and "truncated". The logic lives in <see cref="PrmScoreFile"/>.
/// </summary>
public static class PrmScoreCommand
{
    public static Command Create()
    {
        var prm = PrmOptions.Create();
        var input = new Option<string>("--input") { Description = "JSONL with \"problem\" and either \"response\" (a <think>…</think> part is the trajectory) or \"steps\" (an array of strings, optional \"answer\").", Required = true };
        var output = new Option<string>("--output") { Description = "Where to write the JSONL: each input line plus \"step_scores\", \"final_score\", \"score\" and \"truncated\".", Required = true };

        var command = new Command("prm-score", "Score responses with a process reward model (ReasonFlux-PRM-7B two-class head, or the 1.5B scalar head).");
        prm.AddTo(command);
        command.Options.Add(input);
        command.Options.Add(output);
        command.SetAction(parseResult => CommandRunner.Run(() =>
        {
            // Check every line before the (possibly large) model is loaded.
            PrmScoreFile.Validate(parseResult.GetValue(input)!, prm.Scoring(parseResult).StepSeparator);
            using var scorer = prm.Load(parseResult);
            var summary = PrmScoreFile.Score(scorer, parseResult.GetValue(input)!, parseResult.GetValue(output)!);
            Console.WriteLine($"scored {summary.Lines} lines with {scorer.Head} PRM ({Describe(scorer)}): mean score {summary.MeanScore:0.####}, {summary.Truncated} truncated");
            return ExitCodes.Success;
        }));
        return command;
    }

    internal static string Describe(PrmScorer scorer) => scorer.Head == PrmHeadKind.Scalar
        ? "scalar head"
        : scorer.Options.Mode == PrmScoringMode.Paper ? $"paper mode, alpha {scorer.Options.Alpha}" : "released-code mode";

    /// <summary>The PRM options the prm-score and select verbs share.</summary>
    internal sealed class PrmOptions
    {
        private Option<string> _path = null!;
        private Option<string> _mode = null!;
        private Option<double> _alpha = null!;
        private Option<string> _finalReadout = null!;
        private Option<string> _stepSeparator = null!;
        private Option<int> _maxTokens = null!;
        private Option<int> _batchSize = null!;
        private Option<string?> _dtype = null!;
        private Option<string> _device = null!;

        public static PrmOptions Create() => new()
        {
            _path = new Option<string>("--prm") { Description = "PRM model folder (config.json, model.safetensors, tokenizer.json; ReasonFlux-PRM-7B or -1.5B).", Required = true },
            _mode = new Option<string>("--mode") { Description = "paper: step scores at each <extra_0>, r = mean + alpha · final; released-code: one score at the last token.", DefaultValueFactory = _ => "paper" },
            _alpha = new Option<double>("--alpha") { Description = "Weight of the final score in paper mode.", DefaultValueFactory = _ => 1.0 },
            _finalReadout = new Option<string>("--final-readout") { Description = "Where paper mode reads the final score: last-separator (after the answer) or last-token.", DefaultValueFactory = _ => "last-separator" },
            _stepSeparator = new Option<string>("--step-separator") { Description = "Text that splits a trajectory into steps in paper mode.", DefaultValueFactory = _ => "\n\n" },
            _maxTokens = new Option<int>("--max-tokens") { Description = "Two-class head: inputs are cut to this many tokens.", DefaultValueFactory = _ => 16896 },
            _batchSize = new Option<int>("--batch-size") { Description = "Most sequences per forward pass (inputs are sorted by length).", DefaultValueFactory = _ => 8 },
            _dtype = new Option<string?>("--dtype") { Description = "bfloat16, float16 or float32 (default: the checkpoint's torch_dtype)." },
            _device = DeviceOption.Create("the PRM"),
        };

        public void AddTo(Command command)
        {
            foreach (var o in new Option[] { _path, _mode, _alpha, _finalReadout, _stepSeparator, _maxTokens, _batchSize, _dtype, _device }) command.Options.Add(o);
        }

        public PrmScoringOptions Scoring(ParseResult r)
        {
            var mode = r.GetValue(_mode) switch
            {
                "paper" => PrmScoringMode.Paper,
                "released-code" => PrmScoringMode.ReleasedCode,
                var other => throw new ArgumentException($"--mode must be paper or released-code, got \"{other}\""),
            };
            var readout = r.GetValue(_finalReadout) switch
            {
                "last-separator" => FinalScoreReadout.LastSeparator,
                "last-token" => FinalScoreReadout.LastToken,
                var other => throw new ArgumentException($"--final-readout must be last-separator or last-token, got \"{other}\""),
            };
            int batch = r.GetValue(_batchSize), maxTokens = r.GetValue(_maxTokens);
            if (batch < 1) throw new ArgumentException($"--batch-size must be ≥ 1, got {batch}");
            if (maxTokens < 2) throw new ArgumentException($"--max-tokens must be ≥ 2, got {maxTokens}");
            var options = new PrmScoringOptions
            {
                Mode = mode,
                Alpha = r.GetValue(_alpha),
                FinalReadout = readout,
                StepSeparator = r.GetValue(_stepSeparator)!,
                MaxTokens = maxTokens,
                MaxBatchSize = batch,
                TokenBudget = (long)batch * maxTokens,
            };
            options.Validate();
            return options;
        }

        public PrmScorer Load(ParseResult r)
        {
            var options = Scoring(r);
            ScalarType? dtype = r.GetValue(_dtype) switch
            {
                null => null,
                "bfloat16" => ScalarType.BFloat16,
                "float16" => ScalarType.Float16,
                "float32" => ScalarType.Float32,
                var other => throw new ArgumentException($"--dtype must be bfloat16, float16 or float32, got \"{other}\""),
            };
            return PrmScorer.Load(r.GetValue(_path)!, options, dtype, DeviceOption.Resolve(r, _device));
        }
    }
}
