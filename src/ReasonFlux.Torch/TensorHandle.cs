using System.Runtime.InteropServices;
using ReasonFlux.Torch.Interop;

namespace ReasonFlux.Torch;

/// <summary>
/// Owns one native at::Tensor reference. SafeHandle guarantees release even if a Tensor is never disposed and
/// protects the handle from being freed while a native call is using it. Live/peak counts find leaks.
/// </summary>
public sealed class TensorHandle : SafeHandle
{
    private static long _live;
    private static long _peak;

    public TensorHandle() : base(0, ownsHandle: true) { }

    internal TensorHandle(nint handle) : base(0, ownsHandle: true)
    {
        SetHandle(handle);
        var live = Interlocked.Increment(ref _live);
        long peak;
        while (live > (peak = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, live, peak) != peak) { }
    }

    /// <summary>Native tensor references currently alive in this process.</summary>
    public static long LiveCount => Interlocked.Read(ref _live);

    /// <summary>The highest <see cref="LiveCount"/> seen so far.</summary>
    public static long PeakCount => Interlocked.Read(ref _peak);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        NativeMethods.rf_tensor_dispose(handle);
        Interlocked.Decrement(ref _live);
        return true;
    }
}
