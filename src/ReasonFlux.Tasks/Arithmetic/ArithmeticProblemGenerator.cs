namespace ReasonFlux.Tasks.Arithmetic;

/// <summary>
/// Draws distinct chain problems from a seeded <see cref="Random"/> (its seeded algorithm is fixed across .NET
/// versions, so a seed always gives the same data). Each operation is drawn among those that keep the running value
/// in [min_value, max_value] (and, without carries, work digit by digit): "+" and "-" are equally likely when both fit.
/// </summary>
public sealed class ArithmeticProblemGenerator
{
    private readonly ArithmeticTaskShape _shape;
    private readonly Random _random;
    private readonly HashSet<string> _seen = [];

    public ArithmeticProblemGenerator(ArithmeticTaskShape shape, long seed)
    {
        shape.Validate();
        _shape = shape;
        _random = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
    }

    /// <summary>A problem no earlier call of this generator returned.</summary>
    public ArithmeticProblem Next()
    {
        for (int attempt = 0; attempt < 10_000; attempt++)
        {
            // A start and operand range that leave no room for a step (null) count as an attempt too.
            if (Draw() is { } problem && _seen.Add(problem.Key)) return problem;
        }
        throw new InvalidOperationException($"could not draw a new distinct problem after {_seen.Count} (the task shape allows too few; widen the ranges or lower the counts)");
    }

    /// <summary><paramref name="count"/> distinct problems.</summary>
    public IReadOnlyList<ArithmeticProblem> Take(int count) => Enumerable.Range(0, count).Select(_ => Next()).ToList();

    private ArithmeticProblem? Draw()
    {
        int count = _random.Next(_shape.MinOperations, _shape.MaxOperations + 1);
        int value = _random.Next(_shape.MinValue, _shape.MaxValue + 1);
        int start = value;
        var ops = new List<ArithmeticOperation>(count);
        for (int i = 0; i < count; i++)
        {
            var op = _shape.Carries ? AnyStep(value) : DigitwiseStep(value);
            if (op is not { } o) return null;
            ops.Add(o);
            value = o.Apply(value);
        }
        return new ArithmeticProblem(start, ops);
    }

    private ArithmeticOperation? AnyStep(int value)
    {
        int maxAdd = Math.Min(_shape.MaxOperand, _shape.MaxValue - value);
        int maxSub = Math.Min(_shape.MaxOperand, value - _shape.MinValue);
        bool canAdd = maxAdd >= _shape.MinOperand, canSub = maxSub >= _shape.MinOperand;
        if (!canAdd && !canSub) return null;
        bool add = canAdd && (!canSub || _random.Next(2) == 0);
        return new ArithmeticOperation(add ? '+' : '-', _random.Next(_shape.MinOperand, (add ? maxAdd : maxSub) + 1));
    }

    /// <summary>A step with no carry and no borrow in any digit, its operand uniform among those that fit.</summary>
    private ArithmeticOperation? DigitwiseStep(int value)
    {
        var adds = Operands(Math.Min(_shape.MaxOperand, _shape.MaxValue - value), n => !Carries(value, n));
        var subs = Operands(Math.Min(_shape.MaxOperand, value - _shape.MinValue), n => !Borrows(value, n));
        if (adds.Count == 0 && subs.Count == 0) return null;
        bool add = adds.Count > 0 && (subs.Count == 0 || _random.Next(2) == 0);
        var choices = add ? adds : subs;
        return new ArithmeticOperation(add ? '+' : '-', choices[_random.Next(choices.Count)]);
    }

    // Operand ranges are validated to at most 10^6 wide; a chain step enumerates them at most once.
    private List<int> Operands(int max, Func<int, bool> fits)
    {
        var list = new List<int>();
        for (int n = _shape.MinOperand; n <= max; n++) if (fits(n)) list.Add(n);
        return list;
    }

    private static bool Carries(int a, int b)
    {
        for (; a > 0 || b > 0; a /= 10, b /= 10) if (a % 10 + b % 10 > 9) return true;
        return false;
    }

    private static bool Borrows(int a, int b)
    {
        for (; b > 0; a /= 10, b /= 10) if (a % 10 < b % 10) return true;
        return false;
    }
}
