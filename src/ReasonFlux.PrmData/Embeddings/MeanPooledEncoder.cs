using ReasonFlux.Models;
using ReasonFlux.Models.Heads;
using ReasonFlux.Tokenizers;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.PrmData.Embeddings;

/// <summary>
/// Φ(text) = mean over the text's real tokens of a Qwen2 decoder's final (normed) hidden states. The paper's
/// encoder is unknown (reasonflux-prm.md §1, §3.1); any Qwen2 causal-LM folder serves. Texts are tokenized
/// without special tokens, sorted by length and right-padded into batches under a token budget; the forward
/// runs under no_grad and the pooled vectors come back as fp32 whatever the model dtype.
/// </summary>
public sealed class MeanPooledEncoder : ITextEncoder
{
    private readonly Qwen2ForCausalLM _model;
    private readonly BpeTokenizer _tokenizer;
    private readonly EncoderOptions _options;
    private long _truncated;

    public MeanPooledEncoder(Qwen2ForCausalLM model, BpeTokenizer tokenizer, EncoderOptions? options = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        _options = options ?? new EncoderOptions();
        _options.Validate();
        if (_options.MaxTokens > model.Config.MaxPositionEmbeddings)
            throw new ArgumentException($"encoder.max_tokens {_options.MaxTokens} exceeds the encoder's max_position_embeddings {model.Config.MaxPositionEmbeddings}");
    }

    /// <summary>An encoder over a loaded <see cref="LanguageModel"/> (its decoder and tokenizer).</summary>
    public static MeanPooledEncoder Create(LanguageModel model, EncoderOptions? options = null) => new(model.Model, model.Tokenizer, options);

    public int Dimension => _model.Config.HiddenSize;

    /// <summary>Texts cut to <see cref="EncoderOptions.MaxTokens"/> so far.</summary>
    public long TruncatedTexts => Interlocked.Read(ref _truncated);

    public float[][] Encode(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var ids = new int[texts.Count][];
        for (int i = 0; i < texts.Count; i++)
        {
            var tokens = _tokenizer.Encode(texts[i] ?? throw new ArgumentException($"text {i} is null"));
            if (tokens.Length == 0) throw new ArgumentException($"text {i} encodes to no tokens: an empty step cannot be embedded");
            if (tokens.Length > _options.MaxTokens)
            {
                tokens = tokens[.._options.MaxTokens];
                Interlocked.Increment(ref _truncated);
            }
            ids[i] = tokens;
        }
        var result = new float[texts.Count][];
        foreach (var batch in PlanBatches(ids))
        {
            var vectors = EncodeBatch(batch.Select(i => ids[i]).ToList());
            for (int k = 0; k < batch.Count; k++) result[batch[k]] = vectors[k];
        }
        return result;
    }

    /// <summary>Longest first, so each batch's padding is bounded by its first text.</summary>
    private List<List<int>> PlanBatches(int[][] ids)
    {
        var batches = new List<List<int>>();
        var current = new List<int>();
        int longest = 0;
        foreach (var i in Enumerable.Range(0, ids.Length).OrderByDescending(i => ids[i].Length).ThenBy(i => i))
        {
            int l = Math.Max(longest, ids[i].Length);
            if (current.Count > 0 && ((long)(current.Count + 1) * l > _options.MaxBatchTokens || current.Count + 1 > _options.MaxBatchSize))
            {
                batches.Add(current);
                current = [];
                l = ids[i].Length;
            }
            current.Add(i);
            longest = l;
        }
        if (current.Count > 0) batches.Add(current);
        return batches;
    }

    private float[][] EncodeBatch(List<int[]> rows)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        int b = rows.Count, t = rows.Max(r => r.Length);
        var flatIds = new long[b * t];
        var flatMask = new long[b * t];
        for (int r = 0; r < b; r++)
            for (int k = 0; k < rows[r].Length; k++)
            {
                flatIds[r * t + k] = rows[r][k];
                flatMask[r * t + k] = 1;
            }
        var device = _model.Model.Device;
        var mask = tensor(flatMask, [b, t], device);
        // Right padding: real tokens never attend to the pad positions after them, and positions count from 0.
        var hidden = _model.Model.forward(tensor(flatIds, [b, t], device), mask).to(ScalarType.Float32);
        var weights = mask.to(ScalarType.Float32).unsqueeze(-1);
        var pooled = hidden.mul(weights).sum(1).div(weights.sum(1)).cpu();
        var flat = pooled.ToArray<float>();
        int h = (int)pooled.size(1);
        var vectors = new float[b][];
        for (int r = 0; r < b; r++) vectors[r] = flat.AsSpan(r * h, h).ToArray();
        return vectors;
    }
}
