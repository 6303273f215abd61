namespace ReasonFlux.Checkpoints;

/// <summary>What <see cref="SafetensorsWriter.WriteCheckpoint"/> put on disk.</summary>
public sealed class SafetensorsWriteResult
{
    internal SafetensorsWriteResult(IReadOnlyList<string> files, string? indexPath, IReadOnlyDictionary<string, string> weightMap, long totalSize, long totalParameters)
    {
        Files = files;
        IndexPath = indexPath;
        WeightMap = weightMap;
        TotalSize = totalSize;
        TotalParameters = totalParameters;
    }

    /// <summary>Full paths of the safetensors files written, in shard order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Path of the index, or null when everything fit in one model.safetensors.</summary>
    public string? IndexPath { get; }

    /// <summary>Tensor name → file name (tied aliases excluded).</summary>
    public IReadOnlyDictionary<string, string> WeightMap { get; }

    /// <summary>Bytes of tensor data written.</summary>
    public long TotalSize { get; }

    /// <summary>Elements written.</summary>
    public long TotalParameters { get; }
}
