using System.Text;
using ReasonFlux.Models.Heads;
using ReasonFlux.Models.Qwen2;
using ReasonFlux.Tokenizers;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Rollout;

/// <summary>
/// Batched sampling from a Qwen2 policy: requests (prompt × sample) are packed into batches up to a token
/// budget, left-padded, prefilled in one forward pass, then decoded one token per step against a preallocated
/// KV cache. Only the last position is projected to logits. Finished sequences leave the batch.
/// </summary>
public sealed class RolloutEngine(Qwen2ForCausalLM model, BpeTokenizer? tokenizer = null, RolloutEngineOptions? options = null)
{
    private readonly RolloutEngineOptions _options = options ?? new RolloutEngineOptions();

    private double _prefillSeconds, _decodeSeconds;
    private long _prefillTokens, _decodeTokens;
    private int _batches;

    /// <summary>Timing of the last <see cref="Generate"/> call.</summary>
    public RolloutStats LastStats { get; private set; } = new(0, 0, 0, 0, 0);

    /// <summary>Id used to pad prompts (never attended to).</summary>
    public int PadTokenId { get; init; } = tokenizer?.PadTokenId ?? tokenizer?.EosTokenId ?? 0;

    /// <summary>
    /// Generates <paramref name="samplesPerPrompt"/> continuations of every prompt. Results are ordered by
    /// (prompt, sample). <paramref name="onFinished"/> is called as each sequence completes (progress bars).
    /// <paramref name="promptStreams"/> names each prompt's random streams (default: its position in
    /// <paramref name="prompts"/>): a data-parallel trainer passes the prompt's index in the global batch, so its
    /// samples are the same whichever rank, and whichever share of the batch, generates them.
    /// </summary>
    public IReadOnlyList<Completion> Generate(IReadOnlyList<int[]> prompts, SamplingParams sampling, int samplesPerPrompt = 1, Action<Completion>? onFinished = null,
        IReadOnlyList<int>? promptStreams = null)
    {
        if (promptStreams is not null && promptStreams.Count != prompts.Count)
            throw new ArgumentException($"{promptStreams.Count} prompt streams for {prompts.Count} prompts", nameof(promptStreams));
        sampling.Validate();
        if (samplesPerPrompt < 1) throw new ArgumentOutOfRangeException(nameof(samplesPerPrompt), samplesPerPrompt, "must be >= 1");
        var vocab = model.Config.VocabSize;
        for (int i = 0; i < prompts.Count; i++)
        {
            if (prompts[i].Length == 0) throw new ArgumentException($"prompt {i} is empty");
            foreach (var id in prompts[i])
                if (id < 0 || id >= vocab) throw new ArgumentException($"prompt {i} holds token id {id}, outside the model's vocabulary [0, {vocab})");
            if (prompts[i].Length + sampling.MaxNewTokens > model.Config.MaxPositionEmbeddings)
                throw new ArgumentException($"prompt {i}: {prompts[i].Length} tokens + max_new_tokens {sampling.MaxNewTokens} exceeds the model's max_position_embeddings {model.Config.MaxPositionEmbeddings}");
        }
        var results = new Completion[prompts.Count * samplesPerPrompt];
        _prefillSeconds = _decodeSeconds = 0;
        _prefillTokens = _decodeTokens = 0;
        _batches = 0;
        foreach (var batch in PlanBatches(prompts, samplesPerPrompt, sampling.MaxNewTokens))
            foreach (var c in RunBatch(batch, prompts, sampling, promptStreams))
            {
                results[c.PromptIndex * samplesPerPrompt + c.SampleIndex] = c;
                onFinished?.Invoke(c);
            }
        LastStats = new RolloutStats(_prefillSeconds, _prefillTokens, _decodeSeconds, _decodeTokens, _batches);
        return results;
    }

    private readonly record struct Request(int Prompt, int Sample);

    /// <summary>Shortest prompts first (less padding), the samples of one prompt together.</summary>
    private List<List<Request>> PlanBatches(IReadOnlyList<int[]> prompts, int samples, int maxNew)
    {
        var order = Enumerable.Range(0, prompts.Count).OrderBy(i => prompts[i].Length).ThenBy(i => i);
        var batches = new List<List<Request>>();
        var current = new List<Request>();
        int longest = 0;
        foreach (var i in order)
            for (int s = 0; s < samples; s++)
            {
                var l = Math.Max(longest, prompts[i].Length);
                if (current.Count > 0 && ((long)(current.Count + 1) * (l + maxNew) > _options.MaxBatchTokens || current.Count + 1 > _options.MaxBatchSize))
                {
                    batches.Add(current);
                    current = [];
                    l = prompts[i].Length;
                }
                current.Add(new Request(i, s));
                longest = l;
            }
        if (current.Count > 0) batches.Add(current);
        return batches;
    }

    private sealed class Row(Request request, int[] prompt, long seed, int stream, BpeTokenizer? tokenizer)
    {
        public readonly Request Request = request;
        public readonly int[] Prompt = prompt;
        public readonly List<int> Tokens = [];
        public readonly List<float> LogProbs = [];
        public SequenceRandom Random = new(seed, stream, request.Sample);
        public readonly TokenStreamDecoder? Decoder = tokenizer?.CreateStreamDecoder(skipSpecialTokens: true);
        public readonly StringBuilder Text = new();
        public Completion? Done;
    }

    private List<Completion> RunBatch(List<Request> batch, IReadOnlyList<int[]> prompts, SamplingParams sp, IReadOnlyList<int>? streams)
    {
        using var noGrad = no_grad();
        using var batchScope = NewDisposeScope();
        var rows = batch.Select(r => new Row(r, prompts[r.Prompt], sp.Seed, streams?[r.Prompt] ?? r.Prompt, tokenizer)).ToList();
        int b = rows.Count, p = rows.Max(r => r.Prompt.Length);
        int capacity = p + sp.MaxNewTokens;
        var ids = new long[b * p];
        // The mask covers the whole cache up front (generated positions are always real), so a decode step takes a
        // view of it instead of growing it; with no padded row there is no mask at all.
        bool padded = rows.Any(r => r.Prompt.Length < p);
        var mask = padded ? new long[b * capacity] : null;
        for (int r = 0; r < b; r++)
        {
            var prompt = rows[r].Prompt;
            int pad = p - prompt.Length;
            for (int t = 0; t < p; t++) ids[r * p + t] = t < pad ? PadTokenId : prompt[t - pad];
            if (mask is not null)
                for (int t = 0; t < capacity; t++) mask[r * capacity + t] = t < pad ? 0 : 1;
        }
        var device = model.Model.Device;
        var cache = new KvCache(model.Config, b, capacity, model.Model.DType, device);
        var finished = new List<Completion>();
        Tensor? maskT = mask is null ? null : tensor(mask, [b, capacity], device).DetachFromDisposeScope();
        try
        {
            Tensor logits;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using (var prefill = NewDisposeScope())
            {
                var hidden = model.Model.forward(tensor(ids, [b, p], device), maskT?.narrow(1, 0, p), cache: cache);
                logits = LastLogits(hidden).MoveToOuterDisposeScope();
                // Sampling the first token reads the logits back, which also waits for an asynchronous device.
            }
            _batches++;
            _prefillTokens += rows.Sum(r => (long)r.Prompt.Length);
            var live = rows.ToList(); // cache row i holds live[i]
            int vocabLimit = Math.Min(tokenizer?.VocabSize ?? int.MaxValue, model.Config.VocabSize);
            for (int step = 0; step < sp.MaxNewTokens; step++)
            {
                using var stepScope = NewDisposeScope();
                var uniforms = live.Select(r => r.Done is null ? r.Random.NextFloat() : 0.5f).ToArray();
                var limited = logits.size(-1) > vocabLimit ? logits.narrow(-1, 0, vocabLimit) : logits;
                var (tokens, logprobs) = TokenSampler.Sample(limited, sp, uniforms);
                logits.Dispose();
                if (step == 0) { _prefillSeconds += clock.Elapsed.TotalSeconds; clock.Restart(); }
                for (int i = 0; i < live.Count; i++)
                {
                    var row = live[i];
                    if (row.Done is not null) continue;
                    Accept(row, (int)tokens[i], logprobs[i], sp, lastStep: step == sp.MaxNewTokens - 1);
                    if (row.Done is not null) finished.Add(row.Done);
                }
                int alive = live.Count(r => r.Done is null);
                if (alive == 0) break;
                var next = new long[live.Count];
                for (int i = 0; i < live.Count; i++) next[i] = live[i].Done is null ? tokens[i] : PadTokenId;
                var nextT = tensor(next, [live.Count, 1], device);
                if (live.Count - alive >= Math.Max(1, _options.CompactionFraction * live.Count))
                {
                    // Drop finished rows from the cache, the mask and the next-token batch.
                    var keep = Enumerable.Range(0, live.Count).Where(i => live[i].Done is null).Select(i => (long)i).ToArray();
                    var keepT = tensor(keep, null, device);
                    var smaller = cache.Select(keepT);
                    cache.Dispose();
                    cache = smaller;
                    if (maskT is not null)
                    {
                        var m = maskT.index_select(0, keepT).DetachFromDisposeScope();
                        maskT.Dispose();
                        maskT = m;
                    }
                    nextT = nextT.index_select(0, keepT);
                    live = keep.Select(i => live[(int)i]).ToList();
                }
                var h = model.Model.forward(nextT, maskT?.narrow(1, 0, cache.Length + 1), cache: cache);
                logits = LastLogits(h).MoveToOuterDisposeScope();
                _decodeTokens += alive;
            }
            _decodeSeconds += clock.Elapsed.TotalSeconds;
        }
        finally
        {
            maskT?.Dispose();
            cache.Dispose();
        }
        return finished;
    }

    private Tensor LastLogits(Tensor hidden) => model.Logits(hidden.select(1, -1));

    private void Accept(Row row, int token, float logprob, SamplingParams sp, bool lastStep)
    {
        row.Tokens.Add(token);
        row.LogProbs.Add(logprob);
        if (row.Decoder is not null) row.Text.Append(row.Decoder.Push(token));
        if (sp.StopTokenIds.Contains(token))
        {
            Finish(row, FinishReason.Stop, null);
            return;
        }
        if (sp.StopStrings.Count > 0 && row.Decoder is not null)
        {
            var text = row.Text.ToString();
            int cut = -1;
            foreach (var s in sp.StopStrings)
            {
                var at = text.IndexOf(s, StringComparison.Ordinal);
                if (at >= 0 && (cut < 0 || at < cut)) cut = at;
            }
            if (cut >= 0)
            {
                Finish(row, FinishReason.Stop, text[..cut]);
                return;
            }
        }
        if (lastStep) Finish(row, FinishReason.Length, null);
    }

    private static void Finish(Row row, FinishReason reason, string? text)
    {
        if (text is null && row.Decoder is not null)
        {
            row.Text.Append(row.Decoder.Flush());
            text = row.Text.ToString();
        }
        row.Done = new Completion(row.Request.Prompt, row.Request.Sample, row.Prompt, row.Tokens.ToArray(), row.LogProbs.ToArray(), reason) { Text = text };
    }
}
