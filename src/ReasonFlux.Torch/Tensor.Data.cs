using ReasonFlux.Torch.Interop;
using static ReasonFlux.Torch.Interop.NativeMethods;

namespace ReasonFlux.Torch;

public sealed unsafe partial class Tensor
{
    /// <summary>The value of a one-element tensor as a double (a device sync on GPU).</summary>
    public double ToDouble()
    {
        double v;
        NativeStatus.Check(rf_tensor_item_double(H, &v));
        return v;
    }

    public long ToInt64()
    {
        long v;
        NativeStatus.Check(rf_tensor_item_int64(H, &v));
        return v;
    }

    public float ToSingle() => (float)ToDouble();

    /// <summary>Copies the elements to a new array; T must match the dtype's element layout exactly.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var dt = dtype;
        if (sizeof(T) != dt.ElementSize() || !Compatible<T>(dt))
            throw new InvalidOperationException($"ToArray<{typeof(T).Name}> on a {dt} tensor; convert with to({ExpectedType<T>()}) first");
        var result = new T[numel()];
        fixed (T* p = result) NativeStatus.Check(rf_tensor_copy_to_host(H, p, (long)result.Length * sizeof(T)));
        return result;
    }

    /// <summary>Elements as float32 whatever the dtype (converted natively, not per element).</summary>
    public float[] ToFloatArray()
    {
        if (dtype == ScalarType.Float32) return ToArray<float>();
        using var f = to(ScalarType.Float32);
        return f.ToArray<float>();
    }

    public long[] ToInt64Array()
    {
        if (dtype == ScalarType.Int64) return ToArray<long>();
        using var f = to(ScalarType.Int64);
        return f.ToArray<long>();
    }

    private static bool Compatible<T>(ScalarType dt) where T : unmanaged => dt switch
    {
        ScalarType.Float32 => typeof(T) == typeof(float),
        ScalarType.Float64 => typeof(T) == typeof(double),
        ScalarType.Int64 => typeof(T) == typeof(long),
        ScalarType.Int32 => typeof(T) == typeof(int),
        ScalarType.Int16 => typeof(T) == typeof(short),
        ScalarType.Int8 => typeof(T) == typeof(sbyte),
        ScalarType.Byte => typeof(T) == typeof(byte),
        ScalarType.Bool => typeof(T) == typeof(bool) || typeof(T) == typeof(byte),
        ScalarType.Float16 => typeof(T) == typeof(Half) || typeof(T) == typeof(ushort),
        ScalarType.BFloat16 => typeof(T) == typeof(ushort),
        _ => false,
    };

    private static string ExpectedType<T>() => typeof(T) == typeof(float) ? "Float32" : typeof(T) == typeof(long) ? "Int64" : typeof(T).Name;

    /// <summary>Copies raw bytes out (any dtype): for checkpoint writers.</summary>
    public void CopyBytesTo(Span<byte> destination)
    {
        var expected = numel() * dtype.ElementSize();
        if (destination.Length != expected) throw new ArgumentException($"destination holds {destination.Length} bytes, tensor has {expected}");
        fixed (byte* p = destination) NativeStatus.Check(rf_tensor_copy_to_host(H, p, destination.Length));
    }

    /// <summary>Address of a contiguous CPU tensor's data, valid while this tensor is alive.</summary>
    public nint DataPointer()
    {
        void* p;
        NativeStatus.Check(rf_tensor_data_ptr(H, &p));
        return (nint)p;
    }

    // ---- conversion and copies ----

    public Tensor to(ScalarType type, bool nonBlocking = false)
    {
        var d = device;
        nint r;
        return Result(rf_tensor_to(H, (int)type, (int)d.Type, d.Index, nonBlocking ? 1 : 0, &r), r);
    }

    public Tensor to(Device target, bool nonBlocking = false)
    {
        nint r;
        return Result(rf_tensor_to(H, (int)dtype, (int)target.Type, target.Index, nonBlocking ? 1 : 0, &r), r);
    }

    public Tensor to(ScalarType type, Device target, bool nonBlocking = false)
    {
        nint r;
        return Result(rf_tensor_to(H, (int)type, (int)target.Type, target.Index, nonBlocking ? 1 : 0, &r), r);
    }

    public Tensor cpu() => to(Device.CPU);

    public Tensor clone() { nint r; return Result(rf_tensor_clone(H, &r), r); }

    public Tensor contiguous() { nint r; return Result(rf_tensor_contiguous(H, &r), r); }

    /// <summary>A new handle to the same tensor (shares storage and autograd history).</summary>
    public Tensor alias() { nint r; return Result(rf_tensor_alias(H, &r), r); }

    /// <summary>In place: copies (and converts, and broadcasts) src into this tensor.</summary>
    public Tensor copy_(Tensor src)
    {
        NativeStatus.Check(rf_tensor_copy_(H, src.H));
        return this;
    }

    public Tensor fill_(double value)
    {
        NativeStatus.Check(rf_tensor_fill_(H, value));
        return this;
    }

    public Tensor zero_()
    {
        NativeStatus.Check(rf_tensor_zero_(H));
        return this;
    }
}
