using System.Runtime.CompilerServices;
using ReasonFlux.Torch.Interop;

namespace ReasonFlux.Torch;

/// <summary>
/// A libtorch tensor. Every operation returns a new Tensor that the caller owns (or the current
/// <see cref="DisposeScope"/> owns, when one is open). Dispose it, or let its scope do so.
/// </summary>
public sealed unsafe partial class Tensor : IDisposable
{
    private readonly TensorHandle _handle;

    internal DisposeScope? Scope;

    internal Tensor(nint handle)
    {
        if (handle == 0) throw new TorchException("native call returned an undefined tensor");
        _handle = new TensorHandle(handle);
        DisposeScope.Register(this);
    }

    /// <summary>Checks a native status and wraps the returned handle.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Tensor Result(int status, nint handle)
    {
        NativeStatus.Check(status);
        return new Tensor(handle);
    }

    /// <summary>Like <see cref="Result"/>, but an undefined result (no gradient yet) is null.</summary>
    internal static Tensor? ResultOrNull(int status, nint handle)
    {
        NativeStatus.Check(status);
        return handle == 0 ? null : new Tensor(handle);
    }

    internal TensorHandle H => _handle;

    public bool IsDisposed => _handle.IsClosed;

    public void Dispose() => _handle.Dispose();

    /// <summary>Hands this tensor to the scope outside the current one (or to no scope): a result that must outlive the scope it was made in.</summary>
    public Tensor MoveToOuterDisposeScope()
    {
        var outer = Scope?.Outer;
        Scope = null;
        outer?.Adopt(this);
        return this;
    }

    /// <summary>Removes this tensor from any scope: the caller now disposes it (parameters, caches, optimizer state).</summary>
    public Tensor DetachFromDisposeScope()
    {
        Scope = null;
        return this;
    }

    // ---- metadata ----

    public int dim()
    {
        int n;
        NativeStatus.Check(NativeMethods.rf_tensor_ndim(H, &n));
        return n;
    }

    public long[] shape
    {
        get
        {
            int n;
            NativeStatus.Check(NativeMethods.rf_tensor_ndim(H, &n));
            var s = new long[n];
            fixed (long* p = s) NativeStatus.Check(NativeMethods.rf_tensor_shape(H, p, n));
            return s;
        }
    }

    public long size(int dimension)
    {
        var s = shape;
        var d = dimension < 0 ? dimension + s.Length : dimension;
        if (d < 0 || d >= s.Length) throw new ArgumentOutOfRangeException(nameof(dimension), $"dimension {dimension} out of range for a {s.Length}-d tensor");
        return s[d];
    }

    public long numel()
    {
        long n;
        NativeStatus.Check(NativeMethods.rf_tensor_numel(H, &n));
        return n;
    }

    private (ScalarType dtype, Device device, bool requiresGrad) Info()
    {
        int dt, devType, devIndex, rg;
        NativeStatus.Check(NativeMethods.rf_tensor_info(H, &dt, &devType, &devIndex, &rg));
        return ((ScalarType)dt, new Device((DeviceType)devType, devIndex), rg != 0);
    }

    public ScalarType dtype => Info().dtype;

    public Device device => Info().device;

    public bool requires_grad
    {
        get => Info().requiresGrad;
        set => NativeStatus.Check(NativeMethods.rf_tensor_set_requires_grad(H, value ? 1 : 0));
    }

    public bool is_contiguous()
    {
        int v;
        NativeStatus.Check(NativeMethods.rf_tensor_is_contiguous(H, &v));
        return v != 0;
    }

    /// <summary>True when both tensors view the same storage (e.g. tied embeddings).</summary>
    public bool SharesStorageWith(Tensor other)
    {
        int v;
        NativeStatus.Check(NativeMethods.rf_tensor_same_storage(H, other.H, &v));
        return v != 0;
    }

    public override string ToString() =>
        IsDisposed ? "Tensor(disposed)" : $"Tensor(shape=[{string.Join(", ", shape)}], dtype={dtype}, device={device})";
}
