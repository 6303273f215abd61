using ReasonFlux.Torch.Interop;
using static ReasonFlux.Torch.Interop.NativeMethods;

namespace ReasonFlux.Torch;

public static unsafe partial class torch
{
    public static partial class distributed
    {
        public enum Backend { Gloo, Nccl }

        /// <summary>
        /// A c10d process group: rank 0 hosts a TCPStore for rendezvous, then Gloo (CPU, always available) or NCCL
        /// (CUDA builds with NCCL) runs the collectives. Collectives are synchronous: each returns when complete.
        /// </summary>
        public sealed class ProcessGroup : IDisposable
        {
            private nint _store;
            private nint _group;

            private ProcessGroup(nint store, nint group, int rank, int worldSize, Backend backend)
            {
                _store = store;
                _group = group;
                Rank = rank;
                WorldSize = worldSize;
                Backend = backend;
            }

            public int Rank { get; }
            public int WorldSize { get; }
            public Backend Backend { get; }

            /// <summary>Joins a group of <paramref name="worldSize"/> processes; blocks until all have joined or the timeout passes.</summary>
            public static ProcessGroup Create(Backend backend, int rank, int worldSize, string masterAddress, int masterPort, TimeSpan? timeout = null)
            {
                if (worldSize < 1) throw new ArgumentOutOfRangeException(nameof(worldSize), worldSize, "world size must be at least 1");
                if (rank < 0 || rank >= worldSize) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank must be in [0, {worldSize})");
                if (masterPort is <= 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(masterPort), masterPort, "port must be in 1..65535");
                var ms = (long)(timeout ?? TimeSpan.FromMinutes(10)).TotalMilliseconds;
                var host = Utf8Z(masterAddress);
                nint store, group;
                fixed (byte* h = host) NativeStatus.Check(rf_store_new(h, masterPort, rank == 0 ? 1 : 0, worldSize, ms, &store));
                try
                {
                    if (backend == Backend.Gloo)
                    {
                        // Gloo binds its own transport to this host's address; loopback when the master is local.
                        var local = Utf8Z(masterAddress is "127.0.0.1" or "localhost" ? "127.0.0.1" : System.Net.Dns.GetHostName());
                        fixed (byte* l = local) NativeStatus.Check(rf_pg_gloo_new(store, rank, worldSize, l, ms, &group));
                    }
                    else
                    {
                        NativeStatus.Check(rf_pg_nccl_new(store, rank, worldSize, ms, &group));
                    }
                }
                catch
                {
                    rf_store_dispose(store);
                    throw;
                }
                return new ProcessGroup(store, group, rank, worldSize, backend);
            }

            /// <summary>torchrun's convention: RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT.</summary>
            public static ProcessGroup FromEnvironment(Backend backend, TimeSpan? timeout = null)
            {
                static string Need(string name) => Environment.GetEnvironmentVariable(name)
                    ?? throw new InvalidOperationException($"environment variable {name} is not set (expected RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT)");
                static int Int(string name) => int.TryParse(Need(name), out var v) ? v : throw new InvalidOperationException($"environment variable {name} is not an integer");
                return Create(backend, Int("RANK"), Int("WORLD_SIZE"), Need("MASTER_ADDR"), Int("MASTER_PORT"), timeout);
            }

            private nint G => _group != 0 ? _group : throw new ObjectDisposedException(nameof(ProcessGroup));

            /// <summary>In place: every rank ends with the sum over ranks (bf16/fp16 go through fp32 on Gloo).</summary>
            public void all_reduce_sum(Tensor t) => NativeStatus.Check(rf_pg_allreduce_sum(G, t.H));

            /// <summary>In place: every rank ends with the root's values.</summary>
            public void broadcast(Tensor t, int root = 0) => NativeStatus.Check(rf_pg_broadcast(G, t.H, root));

            /// <summary>In place on the root: the sum over ranks (the others' tensors keep what they sent; bf16/fp16 go through fp32 on Gloo).</summary>
            public void reduce_sum(Tensor t, int root) => NativeStatus.Check(rf_pg_reduce_sum(G, t.H, root));

            /// <summary>Every rank's tensor stacked along a new first dimension [world, ...].</summary>
            public Tensor all_gather(Tensor t) { nint r; return Tensor.Result(rf_pg_allgather(G, t.H, &r), r); }

            /// <summary>Sum over ranks of input [world·n, ...]; this rank keeps rows [rank·n, (rank+1)·n).</summary>
            public Tensor reduce_scatter_sum(Tensor input) { nint r; return Tensor.Result(rf_pg_reduce_scatter_sum(G, input.H, &r), r); }

            public void barrier() => NativeStatus.Check(rf_pg_barrier(G));

            public void Dispose()
            {
                var g = Interlocked.Exchange(ref _group, 0);
                if (g != 0) rf_pg_dispose(g);
                var s = Interlocked.Exchange(ref _store, 0);
                if (s != 0) rf_store_dispose(s);
                GC.SuppressFinalize(this);
            }

            ~ProcessGroup() => Dispose();
        }
    }
}
