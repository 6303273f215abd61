using System.CommandLine;
using ReasonFlux.PrmData;
using ReasonFlux.PrmData.Judging;
using ReasonFlux.PrmData.Pipeline;
using ReasonFlux.Runs;
using ReasonFlux.Torch;

namespace ReasonFlux.Cli.Commands;

/// <summary>
/// <c>reasonflux prm-data --input pool.jsonl --output prm-train.jsonl --encoder DIR [--judge-url URL --judge-model NAME | --judge DIR]
/// [--policy DIR --rollouts N]</c>: builds ReasonFlux-PRM step and trajectory targets (reasonflux-prm.md §3). The
/// logic lives in <see cref="PrmDataBuilder"/>; --config takes the full option set as JSON.
/// </summary>
public static class PrmDataCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--input") { Description = "Pool JSONL: {\"problem\", \"trajectory\" (the <think> part) or \"steps\", \"response\", \"answer\"} per line.", Required = true };
        var output = new Option<string>("--output") { Description = "Training JSONL to write: problem, steps, step_targets, final_target and per-step components.", Required = true };
        var config = new Option<string?>("--config") { Description = "JSON file with the full options (prompts, tau, negatives, scales, failure policies); flags below override it." };
        var encoder = new Option<string?>("--encoder") { Description = "Qwen2 causal-LM folder whose mean-pooled final hidden states embed steps (alignment, coherence)." };
        var judgeUrl = new Option<string?>("--judge-url") { Description = "OpenAI-compatible API root (e.g. https://api.openai.com/v1); POSTs to {url}/chat/completions." };
        var judgeModel = new Option<string?>("--judge-model") { Description = "Model name for --judge-url (the paper used gpt-4o)." };
        var judgeKeyEnv = new Option<string?>("--judge-api-key-env") { Description = "Environment variable holding the judge's API key (none: no Authorization header)." };
        var judgeConcurrency = new Option<int>("--judge-concurrency") { Description = "Judge requests in flight at once.", DefaultValueFactory = _ => 8 };
        var judgeTimeout = new Option<double>("--judge-timeout") { Description = "Seconds one judge request may take before it is abandoned and retried.", DefaultValueFactory = _ => 120 };
        var judgeAttempts = new Option<int>("--judge-attempts") { Description = "Tries per judge request (the first plus retries after 408/429/5xx, network errors and timeouts).", DefaultValueFactory = _ => 6 };
        var judgeMaxReply = new Option<long>("--judge-max-reply-bytes") { Description = "Longest judge reply read; a longer one fails that request without being buffered.", DefaultValueFactory = _ => 4 << 20 };
        var judgeDir = new Option<string?>("--judge") { Description = "Local judge checkpoint folder (greedy decoding) instead of --judge-url." };
        var policy = new Option<string?>("--policy") { Description = "Policy folder for the template-guided rollouts (trajectory target); needs a judge." };
        var rollouts = new Option<int?>("--rollouts") { Description = "Rollouts per trajectory (N)." };
        var maxNewTokens = new Option<int?>("--max-new-tokens") { Description = "Token limit of each rollout." };
        var separator = new Option<string?>("--separator") { Description = "Step separator (default \"\\n\\n\"; escapes \\n and \\t are understood)." };
        var tau = new Option<double?>("--tau") { Description = "Coherence InfoNCE temperature." };
        var negatives = new Option<int?>("--negatives") { Description = "Coherence negatives per step." };
        var seed = new Option<long?>("--seed") { Description = "Seed of the negative draws and the rollouts." };
        var chunkSize = new Option<int?>("--chunk-size") { Description = "Records processed together." };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" };

        var command = new Command("prm-data", "Build ReasonFlux-PRM training targets (alignment, judge quality, coherence; template-guided trajectory reward).");
        foreach (var o in new Option[] { input, output, config, encoder, judgeUrl, judgeModel, judgeKeyEnv, judgeConcurrency, judgeTimeout, judgeAttempts, judgeMaxReply, judgeDir, policy, rollouts, maxNewTokens, separator, tau, negatives, seed, chunkSize, device })
            command.Options.Add(o);
        command.SetAction(parseResult => CommandRunner.Run(() =>
        {
            var options = parseResult.GetValue(config) is { } path ? PrmDataOptions.Load(path) : new PrmDataOptions();
            if (parseResult.GetValue(separator) is { } sep) options = options with { StepSeparator = sep.Replace("\\n", "\n").Replace("\\t", "\t") };
            if (parseResult.GetValue(chunkSize) is { } cs) options = options with { ChunkSize = cs };
            if (parseResult.GetValue(tau) is { } t) options = options with { Coherence = options.Coherence with { Temperature = t } };
            if (parseResult.GetValue(negatives) is { } n) options = options with { Coherence = options.Coherence with { NumNegatives = n } };
            if (parseResult.GetValue(rollouts) is { } r) options = options with { TrajectoryReward = options.TrajectoryReward with { Rollouts = r } };
            if (parseResult.GetValue(maxNewTokens) is { } m) options = options with { TrajectoryReward = options.TrajectoryReward with { MaxNewTokens = m } };
            if (parseResult.GetValue(seed) is { } s)
                options = options with { Coherence = options.Coherence with { Seed = s }, TrajectoryReward = options.TrajectoryReward with { Seed = s } };

            string? url = parseResult.GetValue(judgeUrl), model = parseResult.GetValue(judgeModel);
            if ((url is null) != (model is null)) throw new ArgumentException("--judge-url and --judge-model go together");
            var models = new PrmDataModels
            {
                Encoder = parseResult.GetValue(encoder),
                RemoteJudge = url is null ? null : new OpenAiJudgeOptions
                {
                    BaseUrl = url,
                    Model = model!,
                    ApiKeyEnvironmentVariable = parseResult.GetValue(judgeKeyEnv),
                    MaxConcurrency = parseResult.GetValue(judgeConcurrency),
                    Timeout = JudgeTimeout(parseResult.GetValue(judgeTimeout)),
                    MaxRetries = JudgeAttempts(parseResult.GetValue(judgeAttempts)) - 1,
                    MaxReplyBytes = parseResult.GetValue(judgeMaxReply),
                },
                JudgeDirectory = parseResult.GetValue(judgeDir),
                Policy = parseResult.GetValue(policy),
                Device = Device.Parse(parseResult.GetValue(device)!),
            };

            using var session = PrmDataSession.Open(options, models, note => Console.Error.WriteLine($"note: {note}"));
            string outputPath = parseResult.GetValue(output)!;
            // The first SIGTERM/SIGINT cancels the build (judge calls in flight included); the partial output is removed.
            using var interrupt = TrainingInterrupt.Install(log: message => Console.Error.WriteLine(message));
            PrmDataSummary summary;
            try
            {
                summary = session.Builder.BuildAsync(parseResult.GetValue(input)!, outputPath,
                    p => Console.Error.WriteLine($"{p.RecordsRead} records read, {p.RecordsWritten} written, {p.StepsWritten} steps; {p.QualityFailures} quality failures, {p.TrajectoryRewardFailures} trajectory-reward failures"),
                    interrupt.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (interrupt.IsRequested)
            {
                File.Delete(outputPath + ".tmp");
                Console.Error.WriteLine($"error: interrupted by {interrupt.Signal}; {outputPath} was not written (prm-data has no resume: run it again)");
                return ExitCodes.Aborted;
            }
            Console.WriteLine($"wrote {summary.RecordsWritten} of {summary.RecordsRead} records, {summary.StepsWritten} steps; mean step target {summary.MeanStepTarget:F4}" +
                (summary.MeanFinalTarget is { } f ? $", mean final target {f:F4}" : ", no final target"));
            if (summary.QualityFailures > 0 || summary.TrajectoryRewardFailures > 0 || summary.DroppedRecords.Count > 0)
                Console.WriteLine($"judge failures: {summary.QualityFailures} steps ({summary.DroppedSteps} dropped), {summary.TrajectoryRewardFailures} trajectory rewards; {summary.DroppedRecords.Count} records dropped");
            foreach (var d in summary.DroppedRecords.Take(20)) Console.WriteLine($"  dropped {d}");
            if (summary.ClampedTargets > 0) Console.WriteLine($"{summary.ClampedTargets} raw-combination targets clamped into [0, 1]");
            if (summary.Judge is not null) Console.WriteLine($"judge: {summary.Judge}");
            if (session.Judge?.Statistics is { Requests: > 0, Succeeded: 0 } stats)
            {
                File.Delete(outputPath);
                Console.Error.WriteLine($"error: every judge call failed ({stats}), so every judge-derived target would be a placeholder; {outputPath} was removed. Check the judge (--judge-url, --judge-timeout, --judge-attempts) and run again");
                return ExitCodes.Failure;
            }
            if (summary.RecordsWritten == 0)
            {
                Console.Error.WriteLine("error: no record survived (see the dropped records above); the output file is empty");
                return ExitCodes.Failure;
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    private static TimeSpan JudgeTimeout(double seconds) =>
        seconds > 0 && double.IsFinite(seconds) ? TimeSpan.FromSeconds(seconds) : throw new ArgumentException($"--judge-timeout must be a positive number of seconds, got {seconds}");

    private static int JudgeAttempts(int attempts) =>
        attempts >= 1 ? attempts : throw new ArgumentException($"--judge-attempts must be at least 1, got {attempts}");
}
