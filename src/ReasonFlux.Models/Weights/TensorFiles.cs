using ReasonFlux.Checkpoints;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Models.Weights;

/// <summary>Tensors to and from safetensors files (model weights, optimizer state, RNG states).</summary>
public static class TensorFiles
{
    /// <summary>
    /// A write source that converts the tensor to <paramref name="dtype"/> on the CPU only when the writer reaches
    /// it, so a GPU model is streamed out one tensor at a time.
    /// </summary>
    public static TensorWriteSource Source(string name, Tensor tensor, ScalarType? dtype = null)
    {
        var type = dtype ?? tensor.dtype;
        return TensorWriteSource.FromCallback(name, (DType)(int)type, tensor.shape, stream =>
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var cpu = tensor.detach().to(type, Device.CPU).contiguous();
            var bytes = new byte[cpu.numel() * type.ElementSize()];
            cpu.CopyBytesTo(bytes);
            stream.Write(bytes);
        });
    }

    /// <summary>Writes named tensors to one safetensors file (atomically: temporary name, then rename).</summary>
    public static void Write(string path, IEnumerable<(string Name, Tensor Tensor)> tensors) =>
        SafetensorsWriter.WriteFile(path, tensors.Select(t => Source(t.Name, t.Tensor)));

    /// <summary>Reads every tensor of a safetensors file onto <paramref name="device"/> (caller disposes them).</summary>
    public static Dictionary<string, Tensor> Read(string path, Device? device = null) => Read(path, _ => true, device);

    /// <summary>
    /// Reads the tensors of a safetensors file whose names <paramref name="include"/> accepts onto
    /// <paramref name="device"/> (caller disposes them); the others are never copied out of the mapped file.
    /// </summary>
    public static unsafe Dictionary<string, Tensor> Read(string path, Func<string, bool> include, Device? device = null)
    {
        using var file = SafetensorsFile.Open(path);
        var result = new Dictionary<string, Tensor>();
        foreach (var info in file.Tensors)
        {
            if (!include(info.Name)) continue;
            var t = from_pointer(file.GetPointer(info.Name), info.ByteLength, info.Shape, (ScalarType)(int)info.DType);
            if (device is { } d && d != Device.CPU)
            {
                var moved = t.to(d);
                t.Dispose();
                t = moved;
            }
            result[info.Name] = t.DetachFromDisposeScope();
        }
        return result;
    }
}
