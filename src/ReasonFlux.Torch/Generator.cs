using ReasonFlux.Torch.Interop;
using static ReasonFlux.Torch.Interop.NativeMethods;

namespace ReasonFlux.Torch;

/// <summary>
/// A random-number generator of its own, so sampling in one component (rollouts) is reproducible regardless
/// of what else draws random numbers. Its state can be saved and restored for exact resume.
/// </summary>
public sealed unsafe class Generator : IDisposable
{
    private nint _handle;

    public Generator(long seed, Device? device = null)
    {
        var d = device ?? Device.CPU;
        nint h;
        NativeStatus.Check(rf_generator_new((int)d.Type, d.Index < 0 ? 0 : d.Index, seed, &h));
        _handle = h;
        Device = d;
    }

    public Device Device { get; }

    internal nint Handle => _handle != 0 ? _handle : throw new ObjectDisposedException(nameof(Generator));

    /// <summary>The generator's full state as a uint8 tensor (owned by the caller).</summary>
    public Tensor get_state()
    {
        nint r;
        return Tensor.Result(rf_generator_get_state(Handle, &r), r);
    }

    public void set_state(Tensor state) => NativeStatus.Check(rf_generator_set_state(Handle, state.H));

    public void Dispose()
    {
        var h = Interlocked.Exchange(ref _handle, 0);
        if (h != 0) rf_generator_dispose(h);
        GC.SuppressFinalize(this);
    }

    ~Generator()
    {
        if (_handle != 0) rf_generator_dispose(_handle);
    }
}
