namespace ReasonFlux.Torch;

/// <summary>
/// Collects every tensor created on this thread while it is the innermost scope, and disposes them with it.
/// The GC sees only a few bytes per tensor, never the native memory behind it, so training loops must free
/// temporaries deterministically: open a scope per step, and move results out with
/// <see cref="Tensor.MoveToOuterDisposeScope"/> or <see cref="Tensor.DetachFromDisposeScope"/>.
/// Scopes are thread-local; do not await inside one.
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? _current;

    private readonly DisposeScope? _outer;
    private readonly List<Tensor> _tensors = [];
    private bool _disposed;

    private DisposeScope()
    {
        _outer = _current;
        _current = this;
    }

    /// <summary>The innermost open scope on this thread, or null.</summary>
    public static DisposeScope? Current => _current;

    internal static DisposeScope Open() => new();

    /// <summary>Tensors this scope will dispose.</summary>
    public int Count => _tensors.Count(t => t.Scope == this);

    internal DisposeScope? Outer => _outer;

    internal static void Register(Tensor t)
    {
        var scope = _current;
        if (scope is null) return;
        scope._tensors.Add(t);
        t.Scope = scope;
    }

    internal void Adopt(Tensor t)
    {
        _tensors.Add(t);
        t.Scope = this;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var t in _tensors)
            if (t.Scope == this) t.Dispose();
        _tensors.Clear();
        // Restore the outer scope even if inner scopes were left open by mistake.
        _current = _outer;
    }
}
