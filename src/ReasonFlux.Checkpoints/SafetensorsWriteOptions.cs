namespace ReasonFlux.Checkpoints;

/// <summary>How <see cref="SafetensorsWriter"/> lays out files.</summary>
public sealed record SafetensorsWriteOptions
{
    /// <summary>HF's default <c>max_shard_size</c>, "5GB" (decimal, as huggingface_hub parses it).</summary>
    public const long DefaultMaxShardSize = 5_000_000_000;

    /// <summary><c>{"format":"pt"}</c>: what transformers writes, and what transformers before 4.48.2 requires.</summary>
    public static IReadOnlyDictionary<string, string> PyTorchMetadata { get; } =
        new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" });

    /// <summary>Defaults: 5 GB shards, <c>{"format":"pt"}</c>, no tied weights, "model" file names.</summary>
    public static SafetensorsWriteOptions Default { get; } = new();

    /// <summary>
    /// A shard is closed before a tensor that would push it past this many bytes (HF's rule); a single tensor larger
    /// than this gets a shard of its own. Must be positive.
    /// </summary>
    public long MaxShardSize { get; init; } = DefaultMaxShardSize;

    /// <summary>The header's <c>__metadata__</c>; null leaves the key out (not recommended: see <see cref="PyTorchMetadata"/>).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; } = PyTorchMetadata;

    /// <summary>
    /// Tied weights, alias → canonical name (e.g. "lm_head.weight" → "model.embed_tokens.weight" for Qwen2 with
    /// tie_word_embeddings). The canonical tensor is written once; an alias passed among the tensors is checked for the
    /// same dtype and shape and then skipped, as transformers does.
    /// </summary>
    public IReadOnlyDictionary<string, string> TiedWeights { get; init; } = System.Collections.ObjectModel.ReadOnlyDictionary<string, string>.Empty;

    /// <summary>File name stem: "model" gives model.safetensors, model-00001-of-00002.safetensors and model.safetensors.index.json.</summary>
    public string WeightsName { get; init; } = "model";

    /// <summary>fsync each file before renaming it into place, so a crash never leaves a renamed but partial file.</summary>
    public bool FlushToDisk { get; init; } = true;

    /// <summary>Also write <c>metadata.total_parameters</c> (element count of the written tensors) in the index, as transformers ≥ 4.5x does.</summary>
    public bool WriteTotalParameters { get; init; } = true;
}
