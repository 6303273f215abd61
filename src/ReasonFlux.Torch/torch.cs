using System.Runtime.CompilerServices;
using System.Text;
using ReasonFlux.Torch.Interop;
using static ReasonFlux.Torch.Interop.NativeMethods;

namespace ReasonFlux.Torch;

/// <summary>The entry point, named and shaped after TorchSharp's <c>torch</c> class.</summary>
public static unsafe partial class torch
{
#pragma warning disable CA2255 // the resolver must be in place before the first P/Invoke of this assembly
    [ModuleInitializer]
    internal static void RegisterNativeResolver() => NativeLibraryResolver.Register();
#pragma warning restore CA2255

    public const ScalarType float32 = ScalarType.Float32;
    public const ScalarType float16 = ScalarType.Float16;
    public const ScalarType bfloat16 = ScalarType.BFloat16;
    public const ScalarType float64 = ScalarType.Float64;
    public const ScalarType int64 = ScalarType.Int64;
    public const ScalarType int32 = ScalarType.Int32;
    public const ScalarType @bool = ScalarType.Bool;
    public const ScalarType uint8 = ScalarType.Byte;

    /// <summary>libtorch's version, e.g. (1, 13, 1).</summary>
    public static (int Major, int Minor, int Patch) version
    {
        get
        {
            int a, b, c;
            NativeStatus.Check(rf_version(&a, &b, &c));
            return (a, b, c);
        }
    }

    // ---- creation ----

    private static Device Dev(Device? d) => d ?? Device.CPU;

    public static Tensor empty(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var d = Dev(device);
        nint r;
        fixed (long* s = shape) return Tensor.Result(rf_tensor_empty(s, shape.Length, (int)dtype, (int)d.Type, d.Index, &r), r);
    }

    public static Tensor full(long[] shape, double value, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var d = Dev(device);
        nint r;
        fixed (long* s = shape) return Tensor.Result(rf_tensor_full(s, shape.Length, value, (int)dtype, (int)d.Type, d.Index, &r), r);
    }

    /// <summary>Exact for every int64 value (a double is not).</summary>
    public static Tensor full(long[] shape, long value, ScalarType dtype = ScalarType.Int64, Device? device = null)
    {
        var d = Dev(device);
        nint r;
        fixed (long* s = shape) return Tensor.Result(rf_tensor_full_int(s, shape.Length, value, (int)dtype, (int)d.Type, d.Index, &r), r);
    }

    public static Tensor zeros(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) => full(shape, 0.0, dtype, device);
    public static Tensor ones(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) => full(shape, 1.0, dtype, device);
    public static Tensor zeros(params long[] shape) => zeros(shape, ScalarType.Float32);
    public static Tensor ones(params long[] shape) => ones(shape, ScalarType.Float32);

    public static Tensor arange(double start, double end, double step = 1, ScalarType dtype = ScalarType.Int64, Device? device = null)
    {
        var d = Dev(device);
        nint r;
        return Tensor.Result(rf_tensor_arange(start, end, step, (int)dtype, (int)d.Type, d.Index, &r), r);
    }

    public static Tensor arange(long end, ScalarType dtype = ScalarType.Int64, Device? device = null) => arange(0, end, 1, dtype, device);

    public static Tensor randn(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null, Generator? generator = null)
    {
        var d = Dev(device);
        nint r;
        fixed (long* s = shape) return Tensor.Result(rf_tensor_randn(s, shape.Length, generator?.Handle ?? 0, (int)dtype, (int)d.Type, d.Index, &r), r);
    }

    public static Tensor rand(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null, Generator? generator = null)
    {
        var d = Dev(device);
        nint r;
        fixed (long* s = shape) return Tensor.Result(rf_tensor_rand(s, shape.Length, generator?.Handle ?? 0, (int)dtype, (int)d.Type, d.Index, &r), r);
    }

    public static Tensor randint(long low, long high, long[] shape, ScalarType dtype = ScalarType.Int64, Device? device = null, Generator? generator = null)
    {
        var d = Dev(device);
        nint r;
        fixed (long* s = shape) return Tensor.Result(rf_tensor_randint(low, high, s, shape.Length, generator?.Handle ?? 0, (int)dtype, (int)d.Type, d.Index, &r), r);
    }

    /// <summary>A tensor holding a copy of <paramref name="data"/> with the given shape (1-d when omitted).</summary>
    public static Tensor tensor<T>(ReadOnlySpan<T> data, long[]? shape = null, Device? device = null) where T : unmanaged
    {
        var dtype = DTypeOf<T>();
        return from_bytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data), shape ?? [data.Length], dtype, device);
    }

    public static Tensor tensor<T>(T[] data, long[]? shape = null, Device? device = null) where T : unmanaged => tensor((ReadOnlySpan<T>)data, shape, device);

    public static Tensor tensor(float value, Device? device = null) => tensor([value], [], device);

    /// <summary>A tensor of any dtype from raw little-endian bytes (checkpoint loaders).</summary>
    public static Tensor from_bytes(ReadOnlySpan<byte> bytes, long[] shape, ScalarType dtype, Device? device = null)
    {
        var d = Dev(device);
        nint r;
        fixed (byte* p = bytes)
        fixed (long* s = shape)
            return Tensor.Result(rf_tensor_from_data(p, bytes.Length, s, shape.Length, (int)dtype, (int)d.Type, d.Index, &r), r);
    }

    /// <summary>Same as <see cref="from_bytes"/> from unmanaged memory, e.g. a memory-mapped checkpoint.</summary>
    public static Tensor from_pointer(void* data, long byteCount, long[] shape, ScalarType dtype, Device? device = null)
    {
        var d = Dev(device);
        nint r;
        fixed (long* s = shape)
            return Tensor.Result(rf_tensor_from_data(data, byteCount, s, shape.Length, (int)dtype, (int)d.Type, d.Index, &r), r);
    }

    private static ScalarType DTypeOf<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? ScalarType.Float32 :
        typeof(T) == typeof(double) ? ScalarType.Float64 :
        typeof(T) == typeof(long) ? ScalarType.Int64 :
        typeof(T) == typeof(int) ? ScalarType.Int32 :
        typeof(T) == typeof(bool) ? ScalarType.Bool :
        typeof(T) == typeof(byte) ? ScalarType.Byte :
        typeof(T) == typeof(short) ? ScalarType.Int16 :
        typeof(T) == typeof(sbyte) ? ScalarType.Int8 :
        typeof(T) == typeof(Half) ? ScalarType.Float16 :
        throw new NotSupportedException($"no tensor dtype for {typeof(T).Name}");

    public static Tensor cat(IReadOnlyList<Tensor> tensors, long dim = 0)
    {
        var hs = Handles(tensors);
        nint r;
        fixed (nint* p = hs)
        {
            var status = rf_tensor_cat(p, hs.Length, dim, &r);
            GC.KeepAlive(tensors);
            return Tensor.Result(status, r);
        }
    }

    public static Tensor stack(IReadOnlyList<Tensor> tensors, long dim = 0)
    {
        var hs = Handles(tensors);
        nint r;
        fixed (nint* p = hs)
        {
            var status = rf_tensor_stack(p, hs.Length, dim, &r);
            GC.KeepAlive(tensors);
            return Tensor.Result(status, r);
        }
    }

    public static Tensor where(Tensor condition, Tensor a, Tensor b)
    {
        nint r;
        return Tensor.Result(rf_tensor_where(condition.H, a.H, b.H, &r), r);
    }

    /// <summary>Raw handles for array arguments; callers keep the tensors alive across the call.</summary>
    internal static nint[] Handles(IReadOnlyList<Tensor> tensors)
    {
        var hs = new nint[tensors.Count];
        for (int i = 0; i < hs.Length; i++)
        {
            if (tensors[i].IsDisposed) throw new ObjectDisposedException($"tensor {i} of the list");
            hs[i] = tensors[i].H.DangerousGetHandle();
        }
        return hs;
    }

    // ---- runtime ----

    /// <summary>Opens a dispose scope on this thread; every tensor created until it is disposed belongs to it.</summary>
    public static DisposeScope NewDisposeScope() => DisposeScope.Open();

    public static void manual_seed(long seed) => NativeStatus.Check(rf_manual_seed(seed));

    public static void set_num_threads(int n)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "thread count must be at least 1");
        NativeStatus.Check(rf_set_num_threads(n));
    }

    public static int get_num_threads()
    {
        int n;
        NativeStatus.Check(rf_get_num_threads(&n));
        return n;
    }

    public static bool is_grad_enabled()
    {
        int v;
        NativeStatus.Check(rf_grad_is_enabled(&v));
        return v != 0;
    }

    /// <summary>Disables gradient recording on this thread until disposed, then restores the previous mode.</summary>
    public static GradModeScope no_grad() => new(false);

    public static GradModeScope enable_grad() => new(true);

    /// <summary>The default CPU generator's state (what manual_seed sets), for exact resume.</summary>
    public static Tensor get_rng_state()
    {
        nint r;
        return Tensor.Result(rf_default_generator_get_state(&r), r);
    }

    public static void set_rng_state(Tensor state) => NativeStatus.Check(rf_default_generator_set_state(state.H));

    /// <summary>Floor for the cost of one call into the shim (benchmarks).</summary>
    public static long NativeNoop(long x)
    {
        long y;
        rf_noop(x, &y);
        return y;
    }

    public static class cuda
    {
        public static bool is_available()
        {
            int v;
            NativeStatus.Check(rf_cuda_is_available(&v));
            return v != 0;
        }

        public static int device_count()
        {
            int v;
            NativeStatus.Check(rf_cuda_device_count(&v));
            return v;
        }

        /// <summary>Free and total bytes on a CUDA device.</summary>
        public static (long Free, long Total) mem_get_info(int device = 0)
        {
            long free, total;
            NativeStatus.Check(rf_cuda_mem_info(device, &free, &total));
            return (free, total);
        }
    }

    /// <summary>
    /// The shim's reuse of large (≥ 32 MiB) CPU tensor blocks: freed blocks are kept and handed out again for a
    /// request of the same size instead of being unmapped and faulted in afresh. Its budget comes from
    /// <c>RF_CPU_BLOCK_CACHE_MB</c> (default min(2 GiB, physical memory / 8); 0 disables it).
    /// </summary>
    public static class cpu_block_cache
    {
        public readonly record struct Stats(long LimitBytes, long CachedBytes, long CachedBlocks, long Hits, long Misses);

        public static Stats stats()
        {
            long limit, bytes, blocks, hits, misses;
            NativeStatus.Check(rf_cpu_block_cache_stats(&limit, &bytes, &blocks, &hits, &misses));
            return new Stats(limit, bytes, blocks, hits, misses);
        }

        /// <summary>Sets the budget of idle cached bytes (0 disables caching) and frees what is over it.</summary>
        public static void set_limit(long bytes) => NativeStatus.Check(rf_cpu_block_cache_set_limit(bytes));

        /// <summary>Returns every idle block to the kernel.</summary>
        public static void release() => NativeStatus.Check(rf_cpu_block_cache_release());
    }

    internal static byte[] Utf8Z(string s) => Encoding.UTF8.GetBytes(s + "\0");
}

/// <summary>Restores the previous autograd mode when disposed. Thread-local: do not await inside.</summary>
public readonly unsafe struct GradModeScope : IDisposable
{
    private readonly int _previous;

    internal GradModeScope(bool enabled)
    {
        int previous;
        NativeStatus.Check(rf_grad_set_enabled(enabled ? 1 : 0, &previous));
        _previous = previous;
    }

    public void Dispose()
    {
        int ignored;
        NativeStatus.Check(rf_grad_set_enabled(_previous, &ignored));
    }
}
