using System.Numerics;
using ReasonFlux.Grading.Parsing;

namespace ReasonFlux.Grading.Numerics;

/// <summary>
/// Evaluates an expression in complex double precision with the variables bound to given values.
/// Principal branches throughout, except that odd roots and odd-denominator powers of a negative real
/// are real (∛−8 = −2), which is how answers are written. Unknown functions (f(x), F_n-style objects)
/// get a deterministic pseudo-random value per argument, so f(2)·f(3) = f(3)·f(2) but f(2) ≠ f(3).
/// Returns NaN for anything that is not a scalar.
/// </summary>
internal sealed class NumericEvaluator(IReadOnlyDictionary<string, Complex> variables, ComputeBudget budget)
{
    private static readonly Complex NaN = new(double.NaN, double.NaN);

    public Complex Evaluate(MathNode node) => Eval(node, 0);

    private Complex Eval(MathNode node, int depth)
    {
        budget.Step();
        if (depth > 200) return NaN;
        switch (node)
        {
            case NumberNode n:
                return new Complex(n.Value.ToDouble(), 0);
            case SymbolNode s:
                return variables.TryGetValue(s.Name, out var v) ? v : NaN;
            case ConstantNode c:
                return c.Kind switch
                {
                    ConstantKind.Pi => new Complex(Math.PI, 0),
                    ConstantKind.E => new Complex(Math.E, 0),
                    ConstantKind.I => Complex.ImaginaryOne,
                    _ => new Complex(double.PositiveInfinity, 0),
                };
            case AddNode a:
            {
                var sum = Complex.Zero;
                foreach (var t in a.Terms) sum += Eval(t, depth + 1);
                return sum;
            }
            case MulNode m:
            {
                var product = Complex.One;
                foreach (var f in m.Factors) product = Multiply(product, Eval(f, depth + 1));
                return product;
            }
            case PowNode p:
                return Power(p, depth);
            case FuncNode f:
                return Function(f, depth);
            default:
                return NaN;
        }
    }

    private static Complex Multiply(Complex a, Complex b)
    {
        // Avoid (inf + 0i)(2 + 0i) = inf + NaN i.
        if (a.Imaginary == 0 && b.Imaginary == 0) return new Complex(a.Real * b.Real, 0);
        return a * b;
    }

    private Complex Power(PowNode p, int depth)
    {
        var b = Eval(p.Base, depth + 1);
        if (ExactEvaluator.TryEvaluate(p.Exponent, budget, out var e))
        {
            if (e.IsInteger && BigInteger.Abs(e.Numerator) <= 4096)
            {
                int n = (int)e.Numerator;
                if (b.Imaginary == 0) return new Complex(Math.Pow(b.Real, n), 0);
                return Complex.Pow(b, n);
            }
            if (b.Imaginary == 0 && b.Real < 0 && !e.Denominator.IsEven && e.Denominator < 1000 && BigInteger.Abs(e.Numerator) < 100000)
            {
                // Real odd root: (-8)^{2/3} = 4.
                double magnitude = Math.Pow(-b.Real, e.ToDouble());
                return new Complex(e.Numerator.IsEven ? magnitude : -magnitude, 0);
            }
            if (b.Imaginary == 0 && b.Real >= 0) return new Complex(Math.Pow(b.Real, e.ToDouble()), 0);
            return Complex.Pow(b, e.ToDouble());
        }
        var x = Eval(p.Exponent, depth + 1);
        if (b.Imaginary == 0 && x.Imaginary == 0 && b.Real > 0) return new Complex(Math.Pow(b.Real, x.Real), 0);
        if (b == Complex.Zero) return x.Real > 0 ? Complex.Zero : NaN;
        return Complex.Pow(b, x);
    }

    private Complex Function(FuncNode f, int depth)
    {
        if (f.Args.Count == 0) return Uninterpreted(f.Name, []);
        var name = f.Name;
        switch (name)
        {
            case "sum" or "prod" or "int" or "lim" or "iint" or "oint" or "sub" or "det" or "norm" or "cap" or "setminus" or "prime":
                return NaN;
        }
        var args = new Complex[f.Args.Count];
        for (int k = 0; k < args.Length; k++) args[k] = Eval(f.Args[k], depth + 1);
        var x = args[0];
        switch (name)
        {
            case "sin": return Complex.Sin(x);
            case "cos": return Complex.Cos(x);
            case "tan": return Complex.Tan(x);
            case "sec": return 1 / Complex.Cos(x);
            case "csc": return 1 / Complex.Sin(x);
            case "cot": return Complex.Cos(x) / Complex.Sin(x);
            case "arcsin": return Complex.Asin(x);
            case "arccos": return Complex.Acos(x);
            case "arctan": return Complex.Atan(x);
            case "arccot": return Complex.Atan(1 / x);
            case "arcsec": return Complex.Acos(1 / x);
            case "arccsc": return Complex.Asin(1 / x);
            case "sinh": return Complex.Sinh(x);
            case "cosh": return Complex.Cosh(x);
            case "tanh": return Complex.Tanh(x);
            case "coth": return 1 / Complex.Tanh(x);
            case "sech": return 1 / Complex.Cosh(x);
            case "csch": return 1 / Complex.Sinh(x);
            case "exp": return Complex.Exp(x);
            case "ln": return Complex.Log(x);
            case "log": return args.Length == 2 ? Complex.Log(x) / Complex.Log(args[1]) : Complex.Log(x);
            case "sqrt": return x.Imaginary == 0 && x.Real >= 0 ? new Complex(Math.Sqrt(x.Real), 0) : Complex.Sqrt(x);
            case "root" when args.Length == 2:
            {
                var n = args[1];
                if (x.Imaginary == 0 && n.Imaginary == 0 && Math.Abs(n.Real - Math.Round(n.Real)) < 1e-12)
                {
                    long k = (long)Math.Round(n.Real);
                    if (k % 2 != 0 && x.Real < 0) return new Complex(-Math.Pow(-x.Real, 1.0 / k), 0);
                    if (x.Real >= 0) return new Complex(Math.Pow(x.Real, 1.0 / k), 0);
                }
                return Complex.Pow(x, 1 / n);
            }
            case "abs": return new Complex(x.Magnitude, 0);
            case "floor": return x.Imaginary == 0 ? new Complex(Math.Floor(x.Real + 1e-12), 0) : NaN;
            case "ceil": return x.Imaginary == 0 ? new Complex(Math.Ceiling(x.Real - 1e-12), 0) : NaN;
            case "factorial": return Factorial(x);
            case "binom" when args.Length == 2:
            {
                var a = Factorial(x);
                var b = Factorial(args[1]);
                var c = Factorial(x - args[1]);
                return a / (b * c);
            }
            case "max" or "min":
            {
                if (args.Any(a => a.Imaginary != 0)) return NaN;
                return new Complex(name == "max" ? args.Max(a => a.Real) : args.Min(a => a.Real), 0);
            }
            case "gcd" or "lcm":
                return Uninterpreted(name, args);
            case "deg": return x * Math.PI / 180;
            default:
                return Uninterpreted(name, args);
        }
    }

    private static Complex Factorial(Complex x)
    {
        if (x.Imaginary != 0 || x.Real < 0 || Math.Abs(x.Real - Math.Round(x.Real)) > 1e-9) return NaN;
        int n = (int)Math.Round(x.Real);
        if (n > 170) return new Complex(double.PositiveInfinity, 0);
        double acc = 1;
        for (int i = 2; i <= n; i++) acc *= i;
        return new Complex(acc, 0);
    }

    /// <summary>A deterministic value in [1, 3) from the function name and its rounded arguments.</summary>
    private static Complex Uninterpreted(string name, Complex[] args)
    {
        ulong h = 14695981039346656037UL;
        foreach (var ch in name) h = (h ^ ch) * 1099511628211UL;
        foreach (var a in args)
        {
            if (double.IsNaN(a.Real) || double.IsNaN(a.Imaginary)) return NaN;
            h = (h ^ (ulong)Quantize(a.Real)) * 1099511628211UL;
            h = (h ^ (ulong)Quantize(a.Imaginary)) * 1099511628211UL;
        }
        h ^= h >> 29;
        h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 32;
        return new Complex(1 + 2 * ((h >> 11) * (1.0 / (1UL << 53))), 0);
    }

    private static long Quantize(double v)
    {
        if (v == 0) return 0;
        // Nine significant digits: equal arguments computed two ways land on the same key.
        double scale = Math.Pow(10, 8 - Math.Floor(Math.Log10(Math.Abs(v))));
        return (long)Math.Round(v * scale) ^ (long)Math.Floor(Math.Log10(Math.Abs(v))) << 48;
    }
}
