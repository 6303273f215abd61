using System.Numerics;
using ReasonFlux.Grading.Parsing;

namespace ReasonFlux.Grading.Numerics;

/// <summary>
/// Evaluates a variable-free expression exactly over the rationals: + − × ÷, integer powers, perfect
/// roots, factorials, binomials, abs/floor/ceil. Fails (returns false) on anything irrational or too big,
/// leaving the decision to the numeric evaluator.
/// </summary>
internal static class ExactEvaluator
{
    public static bool TryEvaluate(MathNode node, ComputeBudget budget, out BigRational value)
    {
        try
        {
            value = Eval(node, budget, 0);
            return true;
        }
        catch (NotExactException)
        {
            value = default;
            return false;
        }
        catch (DivideByZeroException)
        {
            value = default;
            return false;
        }
    }

    private sealed class NotExactException : Exception;

    private static readonly NotExactException NotExact = new();

    private static BigRational Check(BigRational v)
    {
        if (v.BitSize > ComputeBudget.MaxExactBits) throw NotExact;
        return v;
    }

    private static BigRational Eval(MathNode node, ComputeBudget budget, int depth)
    {
        budget.Step();
        if (depth > 200) throw NotExact;
        switch (node)
        {
            case NumberNode n:
                return n.Value;
            case AddNode a:
            {
                var sum = BigRational.Zero;
                foreach (var t in a.Terms) sum = Check(sum + Eval(t, budget, depth + 1));
                return sum;
            }
            case MulNode m:
            {
                var product = BigRational.One;
                foreach (var f in m.Factors)
                {
                    product = Check(product * Eval(f, budget, depth + 1));
                    budget.Step(product.BitSize / 4096);
                }
                return product;
            }
            case PowNode p:
                return Power(Eval(p.Base, budget, depth + 1), Eval(p.Exponent, budget, depth + 1), budget);
            case FuncNode f:
                return Function(f, budget, depth);
            default:
                throw NotExact;
        }
    }

    private static BigRational Power(BigRational b, BigRational e, ComputeBudget budget)
    {
        if (e.IsInteger)
        {
            if (b.IsZero && e.Sign < 0) throw new DivideByZeroException();
            if (b.IsZero || b == BigRational.One) return b;
            if (b == -BigRational.One) return e.Numerator.IsEven ? BigRational.One : b;
            if (BigInteger.Abs(e.Numerator) > 1_000_000) throw NotExact;
            int n = (int)e.Numerator;
            if (b.BitSize * (long)Math.Abs(n) > ComputeBudget.MaxExactBits) throw NotExact;
            budget.Step(b.BitSize * Math.Abs(n) / 1024);
            return BigRational.Pow(b, n);
        }
        // Rational exponent p/q: exact only for perfect q-th powers (8^{2/3} = 4).
        if (e.Denominator > 64) throw NotExact;
        int q = (int)e.Denominator;
        bool negative = b.Sign < 0;
        if (negative && q % 2 == 0) throw NotExact;
        var abs = b.Abs();
        if (!TryIntegerRoot(abs.Numerator, q, out var rn) || !TryIntegerRoot(abs.Denominator, q, out var rd)) throw NotExact;
        var root = BigRational.Create(negative ? -rn : rn, rd);
        return Power(root, BigRational.FromInteger(e.Numerator), budget);
    }

    private static BigRational Function(FuncNode f, ComputeBudget budget, int depth)
    {
        switch (f.Name)
        {
            case "sqrt" when f.Args.Count == 1:
                return Power(Eval(f.Args[0], budget, depth + 1), BigRational.Create(1, 2), budget);
            case "root" when f.Args.Count == 2:
            {
                var index = Eval(f.Args[1], budget, depth + 1);
                if (!index.IsInteger || index.Sign <= 0 || index.Numerator > 64) throw NotExact;
                return Power(Eval(f.Args[0], budget, depth + 1), BigRational.Create(1, index.Numerator), budget);
            }
            case "factorial" when f.Args.Count == 1:
            {
                var n = Eval(f.Args[0], budget, depth + 1);
                if (!n.IsInteger || n.Sign < 0 || n.Numerator > 5000) throw NotExact;
                int k = (int)n.Numerator;
                budget.Step(k);
                var acc = BigInteger.One;
                for (int i = 2; i <= k; i++) acc *= i;
                return BigRational.FromInteger(acc);
            }
            case "binom" when f.Args.Count == 2:
            {
                var n = Eval(f.Args[0], budget, depth + 1);
                var k = Eval(f.Args[1], budget, depth + 1);
                if (!n.IsInteger || !k.IsInteger || k.Sign < 0 || k.Numerator > 5000) throw NotExact;
                if (n.Sign >= 0 && k > n) return BigRational.Zero;
                int kk = (int)k.Numerator;
                budget.Step(kk);
                var acc = BigRational.One;
                for (int i = 0; i < kk; i++) acc = Check(acc * (n - BigRational.FromInteger(i)) / BigRational.FromInteger(i + 1));
                return acc;
            }
            case "abs" when f.Args.Count == 1:
                return Eval(f.Args[0], budget, depth + 1).Abs();
            case "floor" when f.Args.Count == 1:
            {
                var v = Eval(f.Args[0], budget, depth + 1);
                return BigRational.FromInteger(BigInteger.Divide(v.Numerator - (v.Sign < 0 ? v.Denominator - 1 : 0), v.Denominator));
            }
            case "ceil" when f.Args.Count == 1:
            {
                var v = Eval(f.Args[0], budget, depth + 1);
                return -BigRational.FromInteger(BigInteger.Divide(-v.Numerator - (v.Sign > 0 ? v.Denominator - 1 : 0), v.Denominator));
            }
            default:
                throw NotExact;
        }
    }

    /// <summary>Exact integer q-th root of a non-negative integer, when there is one.</summary>
    internal static bool TryIntegerRoot(BigInteger x, int q, out BigInteger root)
    {
        root = x;
        if (x.Sign < 0) return false;
        if (x.IsZero || x.IsOne || q == 1) return true;
        // Newton iteration from an over-estimate given by the bit length.
        long bits = (long)x.GetBitLength();
        var r = BigInteger.One << (int)(bits / q + 1);
        while (true)
        {
            var next = ((q - 1) * r + x / BigInteger.Pow(r, q - 1)) / q;
            if (next >= r) break;
            r = next;
        }
        root = r;
        return BigInteger.Pow(r, q) == x;
    }
}
