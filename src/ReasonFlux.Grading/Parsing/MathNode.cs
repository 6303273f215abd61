using System.Text;
using ReasonFlux.Grading.Numerics;

namespace ReasonFlux.Grading.Parsing;

/// <summary>
/// A parsed answer. Nodes are immutable; <see cref="Canonical"/> is an order-insensitive printing (sums and
/// products sort their operands) used for the cheap structural-equality check and for hashing.
/// </summary>
internal abstract class MathNode
{
    private string? _canonical;

    /// <summary>A printing that is equal for structurally equal trees, with commutative operands sorted.</summary>
    public string Canonical => _canonical ??= BuildCanonical();

    protected abstract string BuildCanonical();

    /// <summary>Direct children, for generic walks (free symbols, decimals, plus-minus search).</summary>
    public abstract IEnumerable<MathNode> Children { get; }

    public override string ToString() => Canonical;
}

/// <summary>A numeric literal. <see cref="Decimals"/> is set when the literal was written with a decimal point
/// (its precision, in decimal places, negative for scientific notation such as 1.5e4); null means exact.</summary>
internal sealed class NumberNode(BigRational value, int? decimals = null, int significantDigits = int.MaxValue) : MathNode
{
    public BigRational Value { get; } = value;
    public int? Decimals { get; } = decimals;
    public int SignificantDigits { get; } = significantDigits;
    protected override string BuildCanonical() => Value.ToString();
    public override IEnumerable<MathNode> Children => [];
}

/// <summary>A variable or named object, e.g. x, x_1, \alpha, f'.</summary>
internal sealed class SymbolNode(string name) : MathNode
{
    public string Name { get; } = name;
    protected override string BuildCanonical() => Name;
    public override IEnumerable<MathNode> Children => [];
}

internal enum ConstantKind { Pi, E, I, Infinity }

internal sealed class ConstantNode(ConstantKind kind) : MathNode
{
    public ConstantKind Kind { get; } = kind;
    protected override string BuildCanonical() => Kind switch
    {
        ConstantKind.Pi => "\\pi", ConstantKind.E => "\\e", ConstantKind.I => "\\i", _ => "\\infty",
    };
    public override IEnumerable<MathNode> Children => [];
}

internal sealed class AddNode(IReadOnlyList<MathNode> terms) : MathNode
{
    public IReadOnlyList<MathNode> Terms { get; } = terms;
    protected override string BuildCanonical() => "(" + string.Join("+", Terms.Select(t => t.Canonical).OrderBy(s => s, StringComparer.Ordinal)) + ")";
    public override IEnumerable<MathNode> Children => Terms;
}

internal sealed class MulNode(IReadOnlyList<MathNode> factors) : MathNode
{
    public IReadOnlyList<MathNode> Factors { get; } = factors;
    protected override string BuildCanonical() => "(" + string.Join("*", Factors.Select(t => t.Canonical).OrderBy(s => s, StringComparer.Ordinal)) + ")";
    public override IEnumerable<MathNode> Children => Factors;
}

internal sealed class PowNode(MathNode @base, MathNode exponent) : MathNode
{
    public MathNode Base { get; } = @base;
    public MathNode Exponent { get; } = exponent;
    protected override string BuildCanonical() => $"({Base.Canonical})^({Exponent.Canonical})";
    public override IEnumerable<MathNode> Children => [Base, Exponent];
}

/// <summary>A function application: known ones (sin, sqrt, root, log, factorial, binom, abs, ...) are evaluated;
/// unknown ones (f(x), F_n-style objects) are uninterpreted but deterministic.</summary>
internal sealed class FuncNode(string name, IReadOnlyList<MathNode> args) : MathNode
{
    public string Name { get; } = name;
    public IReadOnlyList<MathNode> Args { get; } = args;
    protected override string BuildCanonical() => Name + "[" + string.Join(";", Args.Select(a => a.Canonical)) + "]";
    public override IEnumerable<MathNode> Children => Args;
}

/// <summary>a ± b (Operand may be null for a leading ±).</summary>
internal sealed class PlusMinusNode(MathNode? left, MathNode right, bool minusPlus) : MathNode
{
    public MathNode? Left { get; } = left;
    public MathNode Right { get; } = right;
    public bool MinusPlus { get; } = minusPlus;
    protected override string BuildCanonical() => $"pm({Left?.Canonical ?? "0"};{Right.Canonical};{(MinusPlus ? 1 : 0)})";
    public override IEnumerable<MathNode> Children => Left is null ? [Right] : [Left, Right];
}

/// <summary>Free text such as "Evelyn" or "even", compared case-insensitively.</summary>
internal sealed class TextNode(string text) : MathNode
{
    public string Text { get; } = text;
    protected override string BuildCanonical() => "\"" + Text + "\"";
    public override IEnumerable<MathNode> Children => [];
}

/// <summary>A number written with a base subscript, 204_5; compared by digits and base.</summary>
internal sealed class BaseNumberNode(string digits, string radix) : MathNode
{
    public string Digits { get; } = digits;
    public string Radix { get; } = radix;
    protected override string BuildCanonical() => Digits + "_" + Radix;
    public override IEnumerable<MathNode> Children => [];
}

internal sealed class EllipsisNode : MathNode
{
    public static readonly EllipsisNode Instance = new();
    protected override string BuildCanonical() => "...";
    public override IEnumerable<MathNode> Children => [];
}

internal enum RelationOp { Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual }

/// <summary>A relation or a chain of them: operands.Count == ops.Count + 1.</summary>
internal sealed class RelationNode(IReadOnlyList<MathNode> operands, IReadOnlyList<RelationOp> ops) : MathNode
{
    public IReadOnlyList<MathNode> Operands { get; } = operands;
    public IReadOnlyList<RelationOp> Ops { get; } = ops;
    public bool IsEquationChain => Ops.All(o => o == RelationOp.Equal);
    protected override string BuildCanonical()
    {
        var sb = new StringBuilder(Operands[0].Canonical);
        for (int i = 0; i < Ops.Count; i++) sb.Append(' ').Append(Ops[i]).Append(' ').Append(Operands[i + 1].Canonical);
        return sb.ToString();
    }
    public override IEnumerable<MathNode> Children => Operands;
}

internal enum SequenceKind
{
    /// <summary>(a, b, c): ordered.</summary>
    Tuple,
    /// <summary>\{a, b\}: unordered.</summary>
    Set,
    /// <summary>a, b, c without brackets, or several boxes: unordered.</summary>
    List,
    /// <summary>[a, b, c] with other than two items: ordered.</summary>
    Bracket,
}

internal sealed class SequenceNode(SequenceKind kind, IReadOnlyList<MathNode> items) : MathNode
{
    public SequenceKind Kind { get; } = kind;
    public IReadOnlyList<MathNode> Items { get; } = items;
    public bool IsOrdered => Kind is SequenceKind.Tuple or SequenceKind.Bracket;
    protected override string BuildCanonical() => Kind + "(" + string.Join(",", Items.Select(i => i.Canonical)) + ")";
    public override IEnumerable<MathNode> Children => Items;
}

internal sealed class IntervalNode(bool lowClosed, MathNode low, MathNode high, bool highClosed) : MathNode
{
    public bool LowClosed { get; } = lowClosed;
    public MathNode Low { get; } = low;
    public MathNode High { get; } = high;
    public bool HighClosed { get; } = highClosed;
    protected override string BuildCanonical() => (LowClosed ? "[" : "(") + Low.Canonical + "," + High.Canonical + (HighClosed ? "]" : ")");
    public override IEnumerable<MathNode> Children => [Low, High];
}

internal sealed class UnionNode(IReadOnlyList<MathNode> parts) : MathNode
{
    public IReadOnlyList<MathNode> Parts { get; } = parts;
    protected override string BuildCanonical() => "U(" + string.Join(",", Parts.Select(p => p.Canonical).OrderBy(s => s, StringComparer.Ordinal)) + ")";
    public override IEnumerable<MathNode> Children => Parts;
}

internal sealed class MatrixNode(int rows, int columns, IReadOnlyList<MathNode> entries) : MathNode
{
    public int Rows { get; } = rows;
    public int Columns { get; } = columns;
    public IReadOnlyList<MathNode> Entries { get; } = entries;
    public MathNode this[int r, int c] => Entries[r * Columns + c];
    protected override string BuildCanonical() => $"M{Rows}x{Columns}(" + string.Join(",", Entries.Select(e => e.Canonical)) + ")";
    public override IEnumerable<MathNode> Children => Entries;
}
