using ReasonFlux.Checkpoints;
using ReasonFlux.Torch;

namespace ReasonFlux.Models.Weights;

/// <summary>
/// Reads parameters from memory-mapped safetensors files: one copy from the mapping into a tensor, converted to
/// the model's dtype and moved to its device. Several files can serve one model (a reward head shipped beside the
/// decoder); each maps model names to its own key names. Tracks which tensors were used so the loader can report
/// the ones the model did not take.
/// </summary>
public sealed unsafe class CheckpointParameters : IParameterSource
{
    private readonly List<(ISafetensorsView View, string Source, Func<string, string?> Map)> _files = [];
    private readonly HashSet<(int, string)> _used = [];

    public CheckpointParameters(ISafetensorsView view, string source, ScalarType dtype, Device device)
    {
        DType = dtype;
        Device = device;
        Add(view, source, name => name);
    }

    public ScalarType DType { get; }
    public Device Device { get; }

    /// <summary>Adds a file; <paramref name="map"/> turns a model parameter name into this file's key, or null if the file does not hold it.</summary>
    public void Add(ISafetensorsView view, string source, Func<string, string?> map) => _files.Add((view, source, map));

    public bool Has(string name) => _files.Any(f => f.Map(name) is { } key && f.View.Contains(key));

    public Tensor Get(string name, long[] shape, ParameterKind kind)
    {
        for (int i = 0; i < _files.Count; i++)
        {
            var (view, source, map) = _files[i];
            if (map(name) is not { } key || !view.TryGetInfo(key, out var info) || info is null) continue;
            var have = info.Shape;
            if (!have.SequenceEqual(shape))
                throw new InvalidDataException($"{source}: tensor \"{key}\" has shape [{string.Join(", ", have)}], the model expects [{string.Join(", ", shape)}]");
            var fileType = (ScalarType)(int)info.DType;
            if (!fileType.IsFloatingPoint())
                throw new InvalidDataException($"{source}: tensor \"{key}\" has dtype {info.DType}; model weights must be floating point");
            _used.Add((i, key));
            var raw = torch.from_pointer(view.GetPointer(key), info.ByteLength, shape, fileType);
            if (fileType == DType && Device.Type == DeviceType.CPU) return raw;
            using (raw) return raw.to(DType, Device);
        }
        throw new InvalidDataException($"{_files[0].Source}: tensor \"{name}\" is missing from the checkpoint");
    }

    /// <summary>Checkpoint tensors no parameter asked for (e.g. an lm_head in a reward-model file).</summary>
    public IReadOnlyList<string> Unused() =>
        _files.SelectMany((f, i) => f.View.Names.Where(n => !_used.Contains((i, n))).Select(n => $"{f.Source}:{n}")).ToList();
}
