using System.CommandLine;
using System.Text.Json.Nodes;
using ReasonFlux.IO;
using ReasonFlux.Models;
using ReasonFlux.Models.Heads;
using ReasonFlux.Torch;
using ReasonFlux.Training.Common;
using static ReasonFlux.Torch.torch;
using F = ReasonFlux.Torch.torch.nn.functional;

namespace ReasonFlux.Cli.Commands;

/// <summary>
/// <c>reasonflux logprobs --model DIR --input in.jsonl --output out.jsonl</c>: teacher-forced per-token
/// log-probabilities. Each line's "ids" gets a "logprobs" array [null, lp1, lp2, …] with
/// lp_t = log p(ids[t] | ids[&lt;t]) computed in fp32 (gather − logsumexp), batched and without gradients.
/// Needs no tokenizer, so it also scores bare model folders.
/// </summary>
public static class LogprobsCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Hugging Face model folder (config.json + *.safetensors) of a Qwen2 causal LM.", Required = true };
        var input = new Option<string>("--input") { Description = "JSONL with an \"ids\" array of token ids per line.", Required = true };
        var output = new Option<string>("--output") { Description = "Where to write the JSONL: each input line plus \"logprobs\" ([null, lp1, ...]).", Required = true };
        var dtype = new Option<string?>("--dtype") { Description = "float32, bfloat16 or float16 (default: the checkpoint's torch_dtype)." };
        var device = DeviceOption.Create("the model");
        var batchTokens = new Option<int>("--batch-tokens") { Description = "Padded tokens per forward pass at most (one longer sequence still runs alone).", DefaultValueFactory = _ => 8192 };

        var command = new Command("logprobs", "Score token sequences with a causal LM: log p(token | prefix) at every position.");
        command.Options.Add(model);
        command.Options.Add(input);
        command.Options.Add(output);
        command.Options.Add(dtype);
        command.Options.Add(batchTokens);
        command.Options.Add(device);
        command.SetAction(parseResult => CommandRunner.Run(() =>
        {
            int budget = parseResult.GetValue(batchTokens);
            if (budget < 1) throw new ArgumentException($"--batch-tokens must be >= 1, got {budget}");
            var records = JsonlReader.ReadAll(parseResult.GetValue(input)!);
            var sequences = records.Select(r => r.GetInt32Array("ids")).ToList();
            using var lm = PretrainedModel.LoadCausalLM(parseResult.GetValue(model)!, ParseDType(parseResult.GetValue(dtype)), DeviceOption.Resolve(parseResult, device), out var unusedTensors);
            if (ModelResolver.UnusedTensorsWarning(unusedTensors) is { } unused) Console.Error.WriteLine($"warning: {unused}");
            for (int i = 0; i < sequences.Count; i++) CheckIds(records[i], sequences[i], lm.Config.VocabSize);

            var scores = Score(lm, sequences, budget);
            using var writer = new JsonlWriter(parseResult.GetValue(output)!);
            for (int i = 0; i < records.Count; i++)
            {
                var line = (JsonObject)records[i].Value.DeepClone();
                var values = new JsonArray();
                if (sequences[i].Length > 0) values.Add((JsonNode?)null);
                foreach (var lp in scores[i]) values.Add(lp);
                line["logprobs"] = values;
                writer.Write(line);
            }
            writer.Commit();
            Console.WriteLine($"scored {records.Count} sequences, {sequences.Sum(s => (long)s.Length)} tokens");
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>
    /// log p(seq[t] | seq[&lt;t]) for t = 1 … L−1 of every sequence (an empty array for sequences shorter than 2).
    /// Sequences are sorted by length and right-padded into batches of at most <paramref name="batchTokens"/>
    /// padded tokens; results come back in input order.
    /// </summary>
    public static float[][] Score(Qwen2ForCausalLM model, IReadOnlyList<int[]> sequences, long batchTokens = 8192)
    {
        var results = new float[sequences.Count][];
        var order = Enumerable.Range(0, sequences.Count).Where(i => sequences[i].Length >= 2).OrderByDescending(i => sequences[i].Length).ToList();
        foreach (var i in Enumerable.Range(0, sequences.Count).Where(i => sequences[i].Length < 2)) results[i] = [];
        using var noGrad = no_grad();
        var device = model.Model.Device;
        for (int start = 0; start < order.Count;)
        {
            int t = sequences[order[start]].Length; // the longest of the batch: sorted descending
            int count = (int)Math.Clamp(batchTokens / t, 1, order.Count - start);
            using var scope = NewDisposeScope();
            var ids = new long[count * t];
            var mask = new long[count * t];
            for (int r = 0; r < count; r++)
            {
                var seq = sequences[order[start + r]];
                for (int j = 0; j < seq.Length; j++)
                {
                    ids[r * t + j] = seq[j];
                    mask[r * t + j] = 1;
                }
            }
            var idsT = tensor(ids, [count, t], device);
            var logits = model.forward(idsT, tensor(mask, [count, t], device));
            var lp = F.token_logprobs(logits.narrow(1, 0, t - 1), idsT.narrow(1, 1, t - 1)).cpu().ToFloatArray();
            for (int r = 0; r < count; r++)
            {
                int len = sequences[order[start + r]].Length;
                results[order[start + r]] = lp.AsSpan(r * (t - 1), len - 1).ToArray();
            }
            start += count;
        }
        return results;
    }

    /// <summary>"float32" / "bfloat16" / "float16" (and fp32, bf16, fp16); null keeps the checkpoint's dtype.</summary>
    public static ScalarType? ParseDType(string? value) => value?.ToLowerInvariant() switch
    {
        null => null,
        "float32" or "fp32" => ScalarType.Float32,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        "float16" or "fp16" => ScalarType.Float16,
        _ => throw new ArgumentException($"--dtype {value}: expected float32, bfloat16 or float16"),
    };

    internal static void CheckIds(JsonlRecord record, int[] ids, int vocabSize)
    {
        for (int t = 0; t < ids.Length; t++)
            if (ids[t] < 0 || ids[t] >= vocabSize)
                throw record.Error($"\"ids\"[{t}] = {ids[t]} is outside the model's vocabulary [0, {vocabSize})");
    }
}
