using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using ReasonFlux.IO;
using ReasonFlux.Models;
using ReasonFlux.Rollout;
using ReasonFlux.Tokenizers;
using ReasonFlux.Tokenizers.Templates;
using ReasonFlux.Training.Common;
using Spectre.Console;

namespace ReasonFlux.Cli.Commands;

/// <summary>
/// <c>reasonflux generate --model DIR --input prompts.jsonl --output out.jsonl [--n N] [--temperature T]
/// [--top-p P] [--top-k K] [--max-new-tokens M] [--seed S] [--chat] [--stop STRING]...</c>: samples completions with the batched
/// KV-cache <see cref="RolloutEngine"/>. Input lines hold "prompt" (raw text, or a user turn rendered with the
/// chat template and the generation prompt under --chat), "messages" (always rendered with the chat template
/// and the generation prompt) or "ids" (token ids used as they are). Generation stops at the model's stop
/// tokens (eos, &lt;|im_end|&gt;, &lt;|endoftext|&gt;), a --stop string or max_new_tokens. One output line per sample, ordered by
/// (prompt, sample): prompt_index, sample_index, text, token_ids, logprobs, finish_reason. With the same seed the
/// output is identical whatever the batching.
/// </summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Hugging Face model folder with its tokenizer (config.json, *.safetensors, tokenizer.json).", Required = true };
        var input = new Option<string>("--input") { Description = "JSONL with \"prompt\", \"messages\" or \"ids\" per line.", Required = true };
        var output = new Option<string>("--output") { Description = "Where to write one JSONL line per sample.", Required = true };
        var n = new Option<int>("--n") { Description = "Samples per prompt.", DefaultValueFactory = _ => 1 };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature; 0: greedy.", DefaultValueFactory = _ => 1.0 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling mass; 1: off.", DefaultValueFactory = _ => 1.0 };
        var topK = new Option<int>("--top-k") { Description = "Keep only the k most likely tokens; 0: off.", DefaultValueFactory = _ => 0 };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Tokens generated per sample at most.", DefaultValueFactory = _ => 256 };
        var seed = new Option<long>("--seed") { Description = "Seed of the per-sample random streams.", DefaultValueFactory = _ => 0 };
        var chat = new Option<bool>("--chat") { Description = "Render each \"prompt\" as a user turn with the chat template and the generation prompt." };
        var chatTemplate = new Option<string?>("--chat-template") { Description = "chatml, plain, a .jinja file, or a template name from tokenizer_config.json (default: the model's own)." };
        var dtype = new Option<string?>("--dtype") { Description = "float32, bfloat16 or float16 (default: the checkpoint's torch_dtype)." };
        var device = DeviceOption.Create("the model");
        var stop = new Option<string[]>("--stop") { Description = "A string that ends a sample once its text contains it (the text is cut before it); repeat for several.", AllowMultipleArgumentsPerToken = false };

        var command = new Command("generate", "Sample completions for JSONL prompts with a causal LM.");
        foreach (var option in new Option[] { model, input, output, n, temperature, topP, topK, maxNewTokens, seed, chat, chatTemplate, dtype, device, stop })
            command.Options.Add(option);
        command.SetAction(parseResult => CommandRunner.Run(() =>
        {
            int samples = parseResult.GetValue(n);
            if (samples < 1) throw new ArgumentException($"--n must be >= 1, got {samples}");
            var records = JsonlReader.ReadAll(parseResult.GetValue(input)!);
            if (records.Count == 0) throw new InvalidDataException($"{parseResult.GetValue(input)}: no prompts");
            using var lm = LanguageModel.Load(parseResult.GetValue(model)!, LogprobsCommand.ParseDType(parseResult.GetValue(dtype)),
                DeviceOption.Resolve(parseResult, device), parseResult.GetValue(chatTemplate));
            if (ModelResolver.UnusedTensorsWarning(lm.UnusedTensors) is { } unused) Console.Error.WriteLine($"warning: {unused}");
            var sampling = new SamplingParams
            {
                Temperature = parseResult.GetValue(temperature),
                TopP = parseResult.GetValue(topP),
                TopK = parseResult.GetValue(topK),
                MaxNewTokens = parseResult.GetValue(maxNewTokens),
                StopTokenIds = lm.StopTokenIds,
                StopStrings = parseResult.GetValue(stop) ?? [],
                Seed = parseResult.GetValue(seed),
            };
            sampling.Validate(); // its messages name the setting ("top_p must be in (0, 1]"); exit code 2
            var prompts = records.Select(r => PromptIds(r, lm, parseResult.GetValue(chat), sampling.MaxNewTokens)).ToList();

            var engine = new RolloutEngine(lm.Model, lm.Tokenizer);
            var watch = Stopwatch.StartNew();
            var completions = Console.IsOutputRedirected
                ? GenerateWithLogLines(engine, prompts, sampling, samples)
                : GenerateWithBar(engine, prompts, sampling, samples);
            using var writer = new JsonlWriter(parseResult.GetValue(output)!);
            foreach (var c in completions) writer.Write(ToJson(c));
            writer.Commit();
            long tokens = completions.Sum(c => (long)c.TokenIds.Length);
            Console.WriteLine($"generated {completions.Count} samples for {prompts.Count} prompts: {tokens} tokens in {watch.Elapsed.TotalSeconds:F1} s ({tokens / Math.Max(watch.Elapsed.TotalSeconds, 1e-9):F1} tokens/s)");
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>The prompt token ids of one input line (see the class summary), checked against the model's limits.</summary>
    public static int[] PromptIds(JsonlRecord record, LanguageModel lm, bool chat, int maxNewTokens)
    {
        int[] ids;
        try
        {
            if (record.Has("ids"))
            {
                ids = record.GetInt32Array("ids");
                LogprobsCommand.CheckIds(record, ids, Math.Min(lm.Model.Config.VocabSize, lm.Tokenizer.VocabSize));
            }
            else if (record.Has("messages"))
            {
                if (record.Value["messages"] is not JsonArray messages) throw record.Error("field \"messages\" must be an array of {role, content} objects");
                ids = lm.Tokenizer.Encode(lm.ChatTemplate.RenderJson(messages, addGenerationPrompt: true));
            }
            else if (record.Has("prompt"))
            {
                var prompt = record.GetString("prompt");
                ids = lm.Tokenizer.Encode(chat ? lm.ChatTemplate.Render([ChatMessage.User(prompt)], addGenerationPrompt: true) : prompt);
            }
            else throw record.Error("expected a \"prompt\" string, a \"messages\" array or an \"ids\" array");
        }
        catch (JinjaException e)
        {
            throw record.Error($"chat template {lm.ChatTemplate.Name}: {e.Message}");
        }
        if (ids.Length == 0) throw record.Error("the prompt is empty");
        int limit = lm.Model.Config.MaxPositionEmbeddings;
        if (ids.Length + maxNewTokens > limit)
            throw record.Error($"{ids.Length} prompt tokens + --max-new-tokens {maxNewTokens} exceed the model's max_position_embeddings {limit}");
        return ids;
    }

    /// <summary>One output line.</summary>
    public static JsonObject ToJson(Completion c) => new()
    {
        ["prompt_index"] = c.PromptIndex,
        ["sample_index"] = c.SampleIndex,
        ["text"] = c.Text,
        ["token_ids"] = new JsonArray(c.TokenIds.Select(t => (JsonNode)t).ToArray()),
        ["logprobs"] = new JsonArray(c.LogProbs.Select(l => (JsonNode)l).ToArray()),
        ["finish_reason"] = c.FinishReason == FinishReason.Stop ? "stop" : "length",
    };

    private static IReadOnlyList<Completion> GenerateWithBar(RolloutEngine engine, List<int[]> prompts, SamplingParams sampling, int samples) =>
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("generate", maxValue: prompts.Count * samples);
                return engine.Generate(prompts, sampling, samples, _ => task.Increment(1));
            });

    private static IReadOnlyList<Completion> GenerateWithLogLines(RolloutEngine engine, List<int[]> prompts, SamplingParams sampling, int samples)
    {
        int total = prompts.Count * samples, done = 0;
        long tokens = 0;
        var watch = Stopwatch.StartNew();
        var lastLine = TimeSpan.Zero;
        return engine.Generate(prompts, sampling, samples, c =>
        {
            done++;
            tokens += c.TokenIds.Length;
            // A line every 10 seconds keeps batch-job logs readable; the last sample always gets one.
            if (done < total && watch.Elapsed - lastLine < TimeSpan.FromSeconds(10)) return;
            lastLine = watch.Elapsed;
            Console.WriteLine($"generate: {done}/{total} samples, {tokens} tokens, {tokens / Math.Max(watch.Elapsed.TotalSeconds, 1e-9):F1} tokens/s");
        });
    }
}
