using System.Diagnostics.CodeAnalysis;

namespace ReasonFlux.Checkpoints;

/// <summary>
/// A Hugging Face checkpoint folder's weights as one name → tensor view: either a single <c>model.safetensors</c>
/// or the shards listed in <c>model.safetensors.index.json</c>. Every shard is opened and cross-checked against
/// the index up front, so a broken checkpoint fails at <see cref="Open"/>, not halfway through loading.
/// </summary>
public sealed unsafe class SafetensorsCheckpoint : ISafetensorsView
{
    /// <summary>File name of an unsharded checkpoint.</summary>
    public const string SingleFileName = "model.safetensors";

    private readonly SafetensorsFile[] _files;
    private readonly Dictionary<string, (SafetensorsFile File, TensorInfo Info)> _byName;
    private readonly string[] _names;

    private SafetensorsCheckpoint(string directory, SafetensorsIndex? index, SafetensorsFile[] files, Dictionary<string, (SafetensorsFile, TensorInfo)> byName, string[] names)
    {
        Directory = directory;
        Index = index;
        _files = files;
        _byName = byName;
        _names = names;
    }

    /// <summary>
    /// Opens the weights of an HF model folder, looking (like transformers) for <c>model.safetensors</c> first,
    /// then <c>model.safetensors.index.json</c>.
    /// </summary>
    public static SafetensorsCheckpoint Open(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new FileNotFoundException($"{directory}: checkpoint folder not found", directory);
        string single = Path.Combine(directory, SingleFileName);
        if (File.Exists(single)) return OpenFile(single);
        string index = Path.Combine(directory, SafetensorsIndex.FileName);
        if (File.Exists(index)) return OpenIndex(index);
        string hint = File.Exists(Path.Combine(directory, "pytorch_model.bin")) || File.Exists(Path.Combine(directory, "pytorch_model.bin.index.json"))
            ? " (it has pytorch_model.bin weights, which are not supported: convert them to safetensors)"
            : "";
        throw new FileNotFoundException($"{directory}: no {SingleFileName} or {SafetensorsIndex.FileName} in the checkpoint folder{hint}", single);
    }

    /// <summary>Opens a single safetensors file as a checkpoint.</summary>
    public static SafetensorsCheckpoint OpenFile(string path)
    {
        var file = SafetensorsFile.Open(path);
        var byName = new Dictionary<string, (SafetensorsFile, TensorInfo)>(StringComparer.Ordinal);
        foreach (var t in file.Tensors) byName.Add(t.Name, (file, t));
        return new SafetensorsCheckpoint(Path.GetDirectoryName(Path.GetFullPath(path))!, null, [file], byName, file.Names.ToArray());
    }

    /// <summary>
    /// Opens every shard an index names and checks that the index and the shards agree: each listed tensor is in its
    /// shard, no tensor is in two shards, and no shard holds a tensor the index does not list.
    /// </summary>
    public static SafetensorsCheckpoint OpenIndex(string indexPath)
    {
        var index = SafetensorsIndex.Load(indexPath);
        string directory = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var files = new List<SafetensorsFile>();
        try
        {
            foreach (string shard in index.ShardFiles)
            {
                string shardPath = Path.Combine(directory, shard);
                if (!File.Exists(shardPath))
                    throw new FileNotFoundException($"{indexPath}: shard {shard} listed in weight_map is missing ({shardPath})", shardPath);
                files.Add(SafetensorsFile.Open(shardPath));
            }

            var byName = new Dictionary<string, (SafetensorsFile File, TensorInfo Info)>(StringComparer.Ordinal);
            var names = new List<string>();
            foreach (var file in files)
            {
                foreach (var t in file.Tensors)
                {
                    if (!byName.TryAdd(t.Name, (file, t)))
                        throw new InvalidDataException($"{indexPath}: tensor {SafetensorsHeader.Quote(t.Name)} is in two shards: {Path.GetFileName(byName[t.Name].File.Path)} and {Path.GetFileName(file.Path)}");
                    names.Add(t.Name);
                }
            }
            foreach (var (name, entry) in byName)
            {
                string shard = Path.GetFileName(entry.File.Path);
                if (!index.WeightMap.TryGetValue(name, out string? mapped))
                    throw new InvalidDataException($"{indexPath}: tensor {SafetensorsHeader.Quote(name)} in shard {shard} is not listed in weight_map");
                if (mapped != shard)
                    throw new InvalidDataException($"{indexPath}: tensor {SafetensorsHeader.Quote(name)} is in shard {shard} but weight_map says {mapped}");
            }
            foreach (var (tensor, shard) in index.WeightMap)
            {
                if (!byName.ContainsKey(tensor))
                    throw new InvalidDataException($"{indexPath}: tensor {SafetensorsHeader.Quote(tensor)} is listed in weight_map under {shard} but is absent from that shard");
            }
            return new SafetensorsCheckpoint(directory, index, files.ToArray(), byName, names.ToArray());
        }
        catch
        {
            foreach (var f in files) f.Dispose();
            throw;
        }
    }

    /// <summary>The folder holding the weights.</summary>
    public string Directory { get; }

    /// <summary>The parsed index for a sharded checkpoint; null for a single file.</summary>
    public SafetensorsIndex? Index { get; }

    /// <summary>Whether the checkpoint came from an index.</summary>
    public bool IsSharded => Index is not null;

    /// <summary>The opened safetensors files (one per shard), sorted by name.</summary>
    public IReadOnlyList<SafetensorsFile> Files => _files;

    /// <summary>Sum of all tensors' byte lengths.</summary>
    public long TotalByteLength => _byName.Values.Sum(v => v.Info.ByteLength);

    /// <inheritdoc />
    public IReadOnlyList<string> Names => _names;

    /// <inheritdoc />
    public int Count => _names.Length;

    /// <inheritdoc />
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <inheritdoc />
    public bool TryGetInfo(string name, [NotNullWhen(true)] out TensorInfo? info)
    {
        if (_byName.TryGetValue(name, out var e))
        {
            info = e.Info;
            return true;
        }
        info = null;
        return false;
    }

    /// <inheritdoc />
    public TensorInfo GetInfo(string name) => Find(name).Info;

    /// <summary>The file that holds a tensor.</summary>
    public SafetensorsFile GetFile(string name) => Find(name).File;

    /// <inheritdoc />
    public ReadOnlySpan<byte> GetBytes(string name) => Find(name).File.GetBytes(name);

    /// <inheritdoc />
    public byte* GetPointer(string name) => Find(name).File.GetPointer(name);

    /// <inheritdoc />
    public void CopyTo(string name, Span<byte> destination) => Find(name).File.CopyTo(name, destination);

    /// <inheritdoc />
    public void CopyTo(string name, nint destination, long destinationByteLength) => Find(name).File.CopyTo(name, destination, destinationByteLength);

    private (SafetensorsFile File, TensorInfo Info) Find(string name) =>
        _byName.TryGetValue(name, out var e)
            ? e
            : throw new InvalidDataException($"{Index?.Path ?? _files[0].Path}: checkpoint has no tensor named {SafetensorsHeader.Quote(name)}");

    /// <summary>Unmaps every shard.</summary>
    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
    }
}
