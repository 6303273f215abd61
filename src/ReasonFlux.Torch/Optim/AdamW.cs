using ReasonFlux.Torch.Interop;
using static ReasonFlux.Torch.Interop.NativeMethods;

namespace ReasonFlux.Torch;

public static unsafe partial class torch
{
    public static partial class optim
    {
        /// <summary>
        /// torch.optim.AdamW over a fixed list of parameters, stepped natively with _foreach ops: about eight native
        /// calls per step whatever the parameter count. The learning rate is given at each step (schedules live in
        /// the trainer). Parameters without a gradient are skipped, as in PyTorch. With <c>masterDtype</c> (float32)
        /// wider than a parameter's dtype (bf16/fp16), that parameter gets a master copy and moments in the master
        /// dtype; each step updates the master and casts it back into the parameter, so updates far below bf16's
        /// resolution accumulate instead of rounding away.
        /// </summary>
        public sealed class AdamW : IDisposable
        {
            private nint _handle;
            private readonly Tensor[] _params;

            public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0.01, ScalarType? masterDtype = null)
            {
                _params = parameters.ToArray();
                if (_params.Length == 0) throw new ArgumentException("AdamW needs at least one parameter");
                if (lr < 0) throw new ArgumentOutOfRangeException(nameof(lr), lr, "learning rate must be >= 0");
                if (beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1)");
                if (beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1)");
                LearningRate = lr;
                Beta1 = beta1;
                Beta2 = beta2;
                Eps = eps;
                WeightDecay = weightDecay;
                var hs = Handles(_params);
                nint h;
                MasterDtype = masterDtype;
                fixed (nint* p = hs) NativeStatus.Check(rf_adamw_new(p, hs.Length, beta1, beta2, eps, weightDecay, masterDtype is { } md ? (int)md : -1, &h));
                GC.KeepAlive(_params);
                _handle = h;
            }

            /// <summary>The rate the next <see cref="step()"/> uses; set it each step for a schedule.</summary>
            public double LearningRate { get; set; }
            public double Beta1 { get; }
            public double Beta2 { get; }
            public double Eps { get; }
            public double WeightDecay { get; }
            public IReadOnlyList<Tensor> Parameters => _params;

            /// <summary>The dtype of master weights and moments for narrower parameters; null: every parameter is updated in its own dtype.</summary>
            public ScalarType? MasterDtype { get; }

            /// <summary>Parameter i's full-precision value: an alias of its master copy, or of the parameter itself when it has none (caller disposes).</summary>
            public Tensor MasterWeight(int index)
            {
                nint r;
                return Tensor.Result(rf_adamw_get_master(Handle, index, &r), r);
            }

            /// <summary>Every parameter's <see cref="MasterWeight"/>, in parameter order (what checkpoints and saved models hold).</summary>
            public Tensor[] MasterWeights() => Enumerable.Range(0, _params.Length).Select(MasterWeight).ToArray();

            /// <summary>Restores parameter i's full-precision value (copied into the master and cast into the parameter).</summary>
            public void SetMasterWeight(int index, Tensor value)
            {
                NativeStatus.Check(rf_adamw_set_master(Handle, index, value.H));
                GC.KeepAlive(_params);
            }

            private nint Handle => _handle != 0 ? _handle : throw new ObjectDisposedException(nameof(AdamW));

            public void step() => step(LearningRate);

            public void step(double lr)
            {
                NativeStatus.Check(rf_adamw_step(Handle, lr));
                GC.KeepAlive(_params);
            }

            public void zero_grad()
            {
                var hs = Handles(_params);
                fixed (nint* p = hs) NativeStatus.Check(rf_zero_grad(p, hs.Length));
                GC.KeepAlive(_params);
            }

            /// <summary>Parameter i's state: aliases of exp_avg and exp_avg_sq (caller disposes the handles) and its step count.</summary>
            public (Tensor ExpAvg, Tensor ExpAvgSq, long Step) GetState(int index)
            {
                nint m, v;
                long s;
                NativeStatus.Check(rf_adamw_get_state(Handle, index, &m, &v, &s));
                return (new Tensor(m), new Tensor(v), s);
            }

            /// <summary>Restores parameter i's state (copied in; shapes must match).</summary>
            public void SetState(int index, Tensor expAvg, Tensor expAvgSq, long step) =>
                NativeStatus.Check(rf_adamw_set_state(Handle, index, expAvg.H, expAvgSq.H, step));

            public void Dispose()
            {
                var h = Interlocked.Exchange(ref _handle, 0);
                if (h != 0) rf_adamw_dispose(h);
                GC.SuppressFinalize(this);
            }

            ~AdamW()
            {
                if (_handle != 0) rf_adamw_dispose(_handle);
            }
        }
    }

    public static partial class nn
    {
        public static class utils
        {
            /// <summary>Scales all gradients so their global L2 norm is at most maxNorm; returns the norm before clipping.</summary>
            public static double clip_grad_norm_(IEnumerable<Tensor> parameters, double maxNorm)
            {
                var ps = parameters.ToArray();
                var hs = Handles(ps);
                double total;
                fixed (nint* p = hs) NativeStatus.Check(rf_clip_grad_norm(p, hs.Length, maxNorm, &total));
                GC.KeepAlive(ps);
                return total;
            }
        }
    }
}
