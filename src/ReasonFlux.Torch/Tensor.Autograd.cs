using ReasonFlux.Torch.Interop;
using static ReasonFlux.Torch.Interop.NativeMethods;

namespace ReasonFlux.Torch;

public sealed unsafe partial class Tensor
{
    /// <summary>The accumulated gradient, or null before the first backward (or after zero_grad).</summary>
    public Tensor? grad
    {
        get { nint r; return ResultOrNull(rf_tensor_grad(H, &r), r); }
        set
        {
            NativeStatus.Check(rf_tensor_set_grad(H, value is null ? 0 : value.H.DangerousGetHandle()));
            GC.KeepAlive(value);
        }
    }

    public Tensor requires_grad_(bool value = true)
    {
        requires_grad = value;
        return this;
    }

    public bool is_leaf
    {
        get { int v; NativeStatus.Check(rf_tensor_is_leaf(H, &v)); return v != 0; }
    }

    /// <summary>Backpropagates from this tensor (a scalar loss unless <paramref name="gradient"/> is given).</summary>
    public void backward(Tensor? gradient = null, bool retainGraph = false)
    {
        NativeStatus.Check(rf_tensor_backward(H, gradient is null ? 0 : gradient.H.DangerousGetHandle(), retainGraph ? 1 : 0));
        GC.KeepAlive(gradient);
    }

    /// <summary>A tensor sharing storage but cut from the autograd graph.</summary>
    public Tensor detach() { nint r; return Result(rf_tensor_detach(H, &r), r); }
}
