using System.CommandLine;
using System.Globalization;
using ReasonFlux.Models;
using ReasonFlux.Models.Builtin;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Recipes.Schema;
using ReasonFlux.Rewards;
using ReasonFlux.Rollout;
using ReasonFlux.Runs;
using ReasonFlux.Torch;
using ReasonFlux.Training.Common;
using ReasonFlux.Training.Eval;

namespace ReasonFlux.Cli.Commands;

/// <summary>
/// <c>reasonflux eval --model DIR --benchmark NAME|PATH [NAME|PATH …] [--n K] [--temperature T] [--top-p P] [--max-new-tokens N]
/// [--seed S] [--limit L] [--system-prompt TEXT] [--gpqa-csv PATH] [--output DIR] [--prm DIR [--best-of-n N]]</c>:
/// samples K responses per problem of each benchmark (one model load), grades them, writes problems.jsonl, summary.json and
/// summary.md per benchmark and prints one summary table (pass@1, pass@k, maj@k, Best-of-N, PRM-weighted maj@N).
/// The logic lives in <see cref="Evaluator"/> and <see cref="EvalReport"/>.
/// Exit codes: 0 done, 2 bad arguments or files, 75 stopped by SIGTERM/SIGINT (nothing written).
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder (config.json, tokenizer.json, *.safetensors) or builtin:NAME", Required = true };
        var benchmark = new Option<string[]>("--benchmark")
        {
            Description = "One or more of math500, aime24, aime25, amc23, gpqa-diamond (with --gpqa-csv), a .jsonl with \"problem\" and \"answer\", " +
                "or a GPQA .csv; repeat the option, list several after it or separate them with commas. One summary table covers them all",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var n = new Option<int>("--n") { Description = "Samples per problem (K): pass@1 is the mean over them; pass@k and maj@k for k = 1, 2, 4, … K", DefaultValueFactory = _ => 1 };
        var temperature = new Option<double?>("--temperature") { Description = "Sampling temperature; default 0 (greedy) for one sample, 0.6 for several" };
        var topP = new Option<double?>("--top-p") { Description = "Nucleus sampling mass; default 1 for one greedy sample, 0.95 for several" };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Tokens generated per response at most", DefaultValueFactory = _ => 4096 };
        var seed = new Option<long>("--seed") { Description = "Sampling seed (each problem and sample draws its own stream)", DefaultValueFactory = _ => 42 };
        var limit = new Option<int?>("--limit") { Description = "Evaluate the first this many problems only" };
        var systemPrompt = new Option<string?>("--system-prompt")
        {
            Description = $"System turn; default \"{EvalPrompts.DefaultMathSystemPrompt}\" for math and none for GPQA; \"\" for none",
        };
        var gpqaCsv = new Option<string?>("--gpqa-csv") { Description = "Your copy of the official GPQA-Diamond CSV (for --benchmark gpqa-diamond; gated: huggingface.co/datasets/Idavidrein/gpqa, gpqa_diamond.csv)" };
        var gpqaSeed = new Option<long>("--gpqa-seed") { Description = "Seed of the GPQA choice shuffle (0: the default order)", DefaultValueFactory = _ => 0 };
        var output = new Option<string?>("--output") { Description = "Folder for problems.jsonl, summary.json and summary.md (with several benchmarks: one subfolder each); default evals/BENCHMARK-TIMESTAMP" };
        var grader = new Option<string>("--grader") { Description = "math-equivalence or strict-boxed (exact match of the last box)", DefaultValueFactory = _ => "math-equivalence" };
        var dtype = new Option<string?>("--dtype") { Description = "bfloat16, float16 or float32; default: the checkpoint's own" };
        var prm = new Option<string?>("--prm") { Description = "PRM folder for Best-of-N: keep the sample the PRM scores highest" };
        var bestOfN = new Option<int?>("--best-of-n") { Description = "Best-of-N size (reported for N = 1, 2, 4, …); default K; draws max(K, N) samples" };
        var device = DeviceOption.Create("the model and the PRM");

        var command = new Command("eval", "Evaluate a model on a benchmark: pass@1 over K samples, pass@k, maj@k, PRM Best-of-N");
        foreach (var option in new Option[] { model, benchmark, n, temperature, topP, maxNewTokens, seed, limit, systemPrompt, gpqaCsv, gpqaSeed, output, grader, dtype, prm, bestOfN, device })
            command.Options.Add(option);
        command.SetAction(parseResult => CommandRunner.Run(() =>
        {
            int k = parseResult.GetValue(n);
            if (k < 1) throw new ArgumentException($"--n must be >= 1, got {k}");
            var prmPath = parseResult.GetValue(prm);
            int? bon = parseResult.GetValue(bestOfN);
            if (bon is not null && prmPath is null) throw new ArgumentException("--best-of-n needs a scorer: give --prm DIR");
            if (bon is < 1) throw new ArgumentException($"--best-of-n must be >= 1, got {bon}");
            int drawn = Math.Max(k, bon ?? 0);
            double temp = parseResult.GetValue(temperature) ?? (drawn > 1 ? 0.6 : 0.0);
            if (drawn > 1 && temp == 0) throw new ArgumentException($"{drawn} samples per problem with --temperature 0 would repeat one greedy response; use a temperature > 0");
            var settings = new EvalSettings
            {
                SamplesPerProblem = k,
                BestOfN = prmPath is null ? 0 : bon ?? k,
                Sampling = new SamplingParams
                {
                    Temperature = temp,
                    TopP = parseResult.GetValue(topP) ?? (temp > 0 ? 0.95 : 1.0),
                    MaxNewTokens = parseResult.GetValue(maxNewTokens),
                    Seed = parseResult.GetValue(seed),
                },
                SystemPrompt = parseResult.GetValue(systemPrompt),
                Grader = ParseEnum<OutcomeGrader>(parseResult.GetValue(grader)!, "--grader"),
            };
            settings.Validate();
            // Every benchmark is loaded (and checked) before the model, so a typo in the third one fails in seconds.
            var benches = LoadBenchmarks(parseResult.GetValue(benchmark)!, parseResult.GetValue(gpqaCsv), parseResult.GetValue(gpqaSeed), parseResult.GetValue(limit));
            var stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
            var root = parseResult.GetValue(output);
            var outputs = benches.Select(b => root is null ? Path.Combine("evals", $"{b.Name}-{stamp}") : benches.Count == 1 ? root : Path.Combine(root, b.Name)).ToList();
            ScalarType? scalar = parseResult.GetValue(dtype) is { } d ? ModelResolver.ToScalarType(ParseEnum<ModelDType>(d, "--dtype")) : null;
            return Evaluate(parseResult.GetValue(model)!, scalar, DeviceOption.Resolve(parseResult, device), benches, settings, prmPath, outputs);
        }));
        return command;
    }

    /// <summary>
    /// Loads a PRM folder as a Best-of-N scorer: the trajectory score r̂ of <see cref="PrmScorer"/> (the scorer
    /// owns the model). Also the factory to hand <see cref="EvalRunner"/> for recipe eval stages.
    /// </summary>
    /// <summary>
    /// The benchmarks of --benchmark (repeated, space- or comma-separated), each loaded once; --gpqa-csv belongs to
    /// gpqa-diamond only. Two entries with the same name would write one folder twice, so they are refused.
    /// </summary>
    internal static IReadOnlyList<EvalBenchmark> LoadBenchmarks(IEnumerable<string> specs, string? gpqaCsv, long gpqaSeed, int? limit)
    {
        var names = specs.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (names.Count == 0) throw new ArgumentException("--benchmark: give at least one benchmark");
        if (gpqaCsv is not null && !names.Contains(EvalBenchmark.GpqaDiamondName))
            throw new ArgumentException($"--gpqa-csv {gpqaCsv} was given but no --benchmark is {EvalBenchmark.GpqaDiamondName}; the CSV is only read with gpqa-diamond");
        var benches = names.Select(name => EvalBenchmark.Load(name, name == EvalBenchmark.GpqaDiamondName ? gpqaCsv : null, limit, gpqaSeed: gpqaSeed)).ToList();
        var duplicate = benches.GroupBy(b => b.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"--benchmark: \"{duplicate.Key}\" is given {duplicate.Count()} times");
        return benches;
    }

    private static int Evaluate(string modelSpec, ScalarType? dtype, Device device, IReadOnlyList<EvalBenchmark> benches, EvalSettings settings, string? prmPath, IReadOnlyList<string> outputDirs)
    {
        var work = BuiltinModels.IsBuiltin(modelSpec) ? Directory.CreateTempSubdirectory("reasonflux-eval-") : null;
        try
        {
            var folder = ModelResolver.Materialize(modelSpec, work?.FullName ?? "", settings.Sampling.Seed);
            using var model = LanguageModel.Load(folder, dtype, device);
            using var scorer = prmPath is null ? null : PrmCompletionScorer.Load(new PrmScorerOptions { Path = prmPath, Dtype = DtypeOf(dtype) }, device);
            bool bar = ProgressFactory.IsInteractiveTerminal();
            using var logger = RunLogging.Create(null, LogLevel.Information, quietConsole: bar);
            ModelResolver.WarnUnusedTensors(model, logger);
            using var progress = bar ? new LiveProgress() : (ITrainingProgress)new LogProgress(logger);
            using var interrupt = TrainingInterrupt.Install(log: message => Console.Error.WriteLine(message));
            var results = new List<EvalResult>();
            for (int i = 0; i < benches.Count; i++)
            {
                var bench = benches[i];
                Console.Error.WriteLine($"evaluating {modelSpec} on {bench.Name}: {bench.Items.Count} problems × {settings.EffectiveSamples} samples on {device}");
                EvalResult result;
                try
                {
                    result = Evaluator.ForModel(model, modelName: modelSpec).Evaluate(bench, settings, scorer, progress, interrupt.Token);
                }
                catch (OperationCanceledException) when (interrupt.IsRequested)
                {
                    progress.Finish();
                    Console.Error.WriteLine($"evaluation of {bench.Name} interrupted; it was not written (an evaluation restarts from the beginning)" +
                        (results.Count > 0 ? $"; finished: {string.Join(", ", results.Select(r => r.Benchmark))}" : ""));
                    return ExitCodes.Interrupted;
                }
                progress.Finish();
                EvalReport.Write(result, outputDirs[i]);
                Console.Error.WriteLine($"wrote {Path.Combine(outputDirs[i], EvalReport.ProblemsFileName)}, {EvalReport.SummaryJsonFileName}, {EvalReport.SummaryMarkdownFileName}");
                results.Add(result);
            }
            if (results.Count == 1)
            {
                Console.Out.Write(EvalReport.SummaryMarkdown(results[0]));
                Console.Out.WriteLine();
            }
            Console.Out.Write(EvalSummaryTable.Format(results));
            return ExitCodes.Success;
        }
        finally
        {
            work?.Delete(recursive: true);
        }
    }

    private static ModelDType DtypeOf(ScalarType? t) => t switch
    {
        ScalarType.BFloat16 => ModelDType.BFloat16,
        ScalarType.Float16 => ModelDType.Float16,
        ScalarType.Float32 => ModelDType.Float32,
        _ => new PrmScorerOptions().Dtype,
    };

    private static T ParseEnum<T>(string value, string option) where T : struct, Enum
    {
        foreach (var name in SchemaNames.EnumNames(typeof(T)))
            if (string.Equals(name, value, StringComparison.OrdinalIgnoreCase)) return (T)SchemaNames.ParseEnum(typeof(T), name)!;
        throw new ArgumentException($"{option}: unknown value \"{value}\"; expected one of {string.Join(", ", SchemaNames.EnumNames(typeof(T)))}");
    }
}
