using ReasonFlux.Torch.Interop;
using static ReasonFlux.Torch.Interop.NativeMethods;

namespace ReasonFlux.Torch;

public sealed unsafe partial class Tensor
{
    public Tensor view(params long[] shape) { nint r; fixed (long* s = shape) return Result(rf_tensor_view(H, s, shape.Length, &r), r); }
    public Tensor reshape(params long[] shape) { nint r; fixed (long* s = shape) return Result(rf_tensor_reshape(H, s, shape.Length, &r), r); }
    public Tensor expand(params long[] shape) { nint r; fixed (long* s = shape) return Result(rf_tensor_expand(H, s, shape.Length, &r), r); }
    public Tensor permute(params long[] order) { nint r; fixed (long* s = order) return Result(rf_tensor_permute(H, s, order.Length, &r), r); }
    public Tensor transpose(long dim0, long dim1) { nint r; return Result(rf_tensor_transpose(H, dim0, dim1, &r), r); }
    public Tensor t() => transpose(0, 1);
    public Tensor unsqueeze(long dim) { nint r; return Result(rf_tensor_unsqueeze(H, dim, &r), r); }
    public Tensor squeeze(long dim) { nint r; return Result(rf_tensor_squeeze(H, dim, &r), r); }
    public Tensor squeeze() { nint r; return Result(rf_tensor_squeeze_all(H, &r), r); }
    public Tensor flatten(long startDim = 0, long endDim = -1) { nint r; return Result(rf_tensor_flatten(H, startDim, endDim, &r), r); }
    public Tensor narrow(long dim, long start, long length) { nint r; return Result(rf_tensor_narrow(H, dim, start, length, &r), r); }
    public Tensor select(long dim, long index) { nint r; return Result(rf_tensor_select(H, dim, index, &r), r); }

    /// <summary>Python's t[start:end:step] along one dimension; end may be long.MaxValue for "to the end".</summary>
    public Tensor slice(long dim, long start, long end, long step = 1) { nint r; return Result(rf_tensor_slice(H, dim, start, end, step, &r), r); }

    public Tensor[] split(long[] sizes, long dim = 0)
    {
        var outs = new nint[sizes.Length];
        int count;
        fixed (long* s = sizes)
        fixed (nint* o = outs)
            NativeStatus.Check(rf_tensor_split(H, s, sizes.Length, dim, o, outs.Length, &count));
        return Wrap(outs, count);
    }

    public Tensor[] chunk(long chunks, long dim = 0)
    {
        var outs = new nint[chunks];
        int count;
        fixed (nint* o = outs) NativeStatus.Check(rf_tensor_chunk(H, chunks, dim, o, outs.Length, &count));
        return Wrap(outs, count);
    }

    internal static Tensor[] Wrap(nint[] handles, int count)
    {
        var result = new Tensor[count];
        for (int i = 0; i < count; i++) result[i] = new Tensor(handles[i]);
        return result;
    }

    // ---- indexing ----

    public Tensor index_select(long dim, Tensor index) { nint r; return Result(rf_tensor_index_select(H, dim, index.H, &r), r); }
    public Tensor gather(long dim, Tensor index) { nint r; return Result(rf_tensor_gather(H, dim, index.H, &r), r); }
    public Tensor scatter(long dim, Tensor index, Tensor src) { nint r; return Result(rf_tensor_scatter(H, dim, index.H, src.H, &r), r); }
    public Tensor scatter_add(long dim, Tensor index, Tensor src) { nint r; return Result(rf_tensor_scatter_add(H, dim, index.H, src.H, &r), r); }
    public Tensor masked_fill(Tensor mask, double value) { nint r; return Result(rf_tensor_masked_fill(H, mask.H, value, &r), r); }
    public Tensor masked_fill_(Tensor mask, double value) { NativeStatus.Check(rf_tensor_masked_fill_(H, mask.H, value)); return this; }
    public Tensor masked_select(Tensor mask) { nint r; return Result(rf_tensor_masked_select(H, mask.H, &r), r); }
    public Tensor index_copy_(long dim, Tensor index, Tensor src) { NativeStatus.Check(rf_tensor_index_copy_(H, dim, index.H, src.H)); return this; }
    public Tensor nonzero() { nint r; return Result(rf_tensor_nonzero(H, &r), r); }
    public Tensor tril(long diagonal = 0) { nint r; return Result(rf_tensor_tril(H, diagonal, &r), r); }
    public Tensor triu(long diagonal = 0) { nint r; return Result(rf_tensor_triu(H, diagonal, &r), r); }
}
