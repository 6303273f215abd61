using System.Text;

namespace ReasonFlux.Checkpoints;

/// <summary>
/// Orders strings by Unicode code point, i.e. by their UTF-8 bytes: what Rust's <c>String</c> ordering and Python's
/// <c>sorted</c>/<c>sort_keys</c> do. <see cref="StringComparer.Ordinal"/> differs for characters above U+FFFF.
/// </summary>
public sealed class CodePointComparer : IComparer<string>
{
    /// <summary>The shared instance.</summary>
    public static CodePointComparer Instance { get; } = new();

    /// <inheritdoc />
    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        var ex = x.EnumerateRunes();
        var ey = y.EnumerateRunes();
        while (true)
        {
            bool hx = ex.MoveNext(), hy = ey.MoveNext();
            if (!hx || !hy) return hx ? 1 : hy ? -1 : 0;
            int c = ex.Current.Value.CompareTo(ey.Current.Value);
            if (c != 0) return c;
        }
    }
}
