using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using ReasonFlux.Torch.Interop;
using static ReasonFlux.Torch.Interop.NativeMethods;

namespace ReasonFlux.Torch;

public static unsafe partial class torch
{
    public static partial class utils
    {
        /// <summary>
        /// torch.utils.checkpoint: returns <paramref name="function"/>(<paramref name="inputs"/>) computed without
        /// keeping its activations, and recomputes it during backward. It is a libtorch autograd Function in the
        /// shim (no hand-written backward): forward runs the function under no-grad, backward runs it again with
        /// grad enabled and differentiates that graph. <paramref name="parameters"/> are the tensors the function
        /// reads besides its inputs (a layer's weights); their gradients flow through the checkpoint. The function
        /// must be deterministic and must read tensors only through its arguments or <paramref name="parameters"/>
        /// (anything captured may be disposed before backward runs).
        /// </summary>
        public static Tensor checkpoint(Func<Tensor[], Tensor> function, IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor> parameters)
        {
            ArgumentNullException.ThrowIfNull(function);
            if (inputs.Count == 0) throw new ArgumentException("checkpoint needs at least one input", nameof(inputs));
            var ins = Handles(inputs);
            var ps = Handles(parameters);
            // From here on the shim owns the handle and frees it through Release, after the last recompute.
            var state = GCHandle.ToIntPtr(GCHandle.Alloc(function));
            nint r;
            int status;
            fixed (nint* pi = ins)
            fixed (nint* pp = ps)
                status = rf_checkpoint((void*)(delegate* unmanaged<void*, nint*, int, nint*, int>)&Invoke,
                    (void*)(delegate* unmanaged<void*, void>)&Release, (void*)state, pi, ins.Length, pp, ps.Length, &r);
            GC.KeepAlive(inputs);
            GC.KeepAlive(parameters);
            return Tensor.Result(status, r);
        }

        // Called by the shim in forward (no-grad) and again in backward (grad enabled), possibly on an autograd
        // worker thread. Exceptions cannot cross into C++: the message goes to the shim's error slot instead.
        [UnmanagedCallersOnly]
        private static int Invoke(void* state, nint* inputs, int n, nint* output)
        {
            using var scope = NewDisposeScope();
            try
            {
                var args = new Tensor[n];
                for (int i = 0; i < n; i++) args[i] = new Tensor(inputs[i]);
                var function = (Func<Tensor[], Tensor>)GCHandle.FromIntPtr((nint)state).Target!;
                var result = function(args);
                nint alias;
                NativeStatus.Check(rf_tensor_alias(result.H, &alias));
                *output = alias;
                return 0;
            }
            catch (Exception e)
            {
                var bytes = Encoding.UTF8.GetBytes($"checkpointed function failed: {e.GetType().Name}: {e.Message}\0");
                fixed (byte* m = bytes) rf_set_error(m);
                return 1;
            }
        }

        [UnmanagedCallersOnly]
        private static void Release(void* state) => GCHandle.FromIntPtr((nint)state).Free();
    }
}
