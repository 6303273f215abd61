using System.Collections;

namespace ReasonFlux.Recipes.Schema;

/// <summary>
/// A read-only list that compares by its elements, so option records holding lists keep value equality
/// (a recipe written and parsed again equals the original).
/// </summary>
public sealed class ValueList<T>(IEnumerable<T> items) : IReadOnlyList<T>, IEquatable<ValueList<T>>
{
    private readonly T[] _items = items.ToArray();

    /// <summary>The default of a list-valued option (a plain [] would compare by reference).</summary>
    public static ValueList<T> Empty { get; } = new([]);

    public T this[int index] => _items[index];
    public int Count => _items.Length;
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    public bool Equals(ValueList<T>? other) => other is not null && _items.SequenceEqual(other._items);
    public override bool Equals(object? obj) => obj is ValueList<T> other ? Equals(other) : obj is IReadOnlyList<T> list && _items.SequenceEqual(list);
    public override int GetHashCode() => _items.Aggregate(_items.Length, (h, x) => HashCode.Combine(h, x));
    public override string ToString() => "[" + string.Join(", ", _items) + "]";
}
