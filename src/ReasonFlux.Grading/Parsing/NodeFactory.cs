using System.Globalization;
using System.Numerics;
using ReasonFlux.Grading.Numerics;

namespace ReasonFlux.Grading.Parsing;

/// <summary>Small constructors that keep trees flat (nested sums and products merged) and literals exact.</summary>
internal static class NodeFactory
{
    public static readonly NumberNode MinusOne = new(BigRational.FromInteger(-1));
    public static readonly NumberNode OneNode = new(BigRational.One);

    public static MathNode Sum(IReadOnlyList<MathNode> terms)
    {
        if (terms.Count == 1) return terms[0];
        var flat = new List<MathNode>(terms.Count);
        foreach (var t in terms)
        {
            if (t is AddNode a) flat.AddRange(a.Terms);
            else flat.Add(t);
        }
        return new AddNode(flat);
    }

    public static MathNode Product(IReadOnlyList<MathNode> factors)
    {
        if (factors.Count == 1) return factors[0];
        var flat = new List<MathNode>(factors.Count);
        foreach (var f in factors)
        {
            if (f is MulNode m) flat.AddRange(m.Factors);
            else flat.Add(f);
        }
        return new MulNode(flat);
    }

    public static MathNode Negate(MathNode x) => x switch
    {
        NumberNode n => new NumberNode(-n.Value, n.Decimals, n.SignificantDigits),
        MulNode m when m.Factors.Count > 0 && m.Factors[0] is NumberNode first =>
            first.Value == -BigRational.One && m.Factors.Count == 2
                ? m.Factors[1]
                : new MulNode([Negate(first), .. m.Factors.Skip(1)]),
        _ => new MulNode([MinusOne, x]),
    };

    public static MathNode Reciprocal(MathNode x) => new PowNode(x, MinusOne);

    public static MathNode Divide(MathNode a, MathNode b) => Product([a, Reciprocal(b)]);

    /// <summary>
    /// Parses a numeric literal: "12", "0.50", ".5", "1.5e-4". Decimals and significant digits record the
    /// written precision so "1.57" can match pi/2 at two decimal places.
    /// </summary>
    public static NumberNode ParseNumber(string text)
    {
        string mantissa = text;
        int exponent = 0;
        bool scientific = false;
        int e = text.IndexOfAny(['e', 'E']);
        if (e >= 0)
        {
            mantissa = text[..e];
            exponent = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            scientific = true;
        }
        int dot = mantissa.IndexOf('.');
        string digits = dot >= 0 ? mantissa.Remove(dot, 1) : mantissa;
        if (digits.Length == 0) digits = "0";
        int fractionDigits = dot >= 0 ? mantissa.Length - dot - 1 : 0;
        var integer = BigInteger.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        var value = BigRational.Create(integer, BigInteger.Pow(10, fractionDigits));
        if (exponent != 0)
        {
            if (Math.Abs(exponent) > 4000) throw new MathParseException("exponent too large: " + text);
            value *= BigRational.PowerOfTen(exponent);
        }
        if (dot < 0 && !scientific) return new NumberNode(value);
        int significant = digits.TrimStart('0').Length;
        return new NumberNode(value, fractionDigits - exponent, Math.Max(significant, 1));
    }

    public static NumberNode Integer(long v) => new(BigRational.FromInteger(v));
}
