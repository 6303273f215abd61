namespace ReasonFlux.Tasks.Arithmetic;

/// <summary>
/// Draws distinct chain problems from a seeded <see cref="Random"/> (its seeded algorithm is fixed across .NET
/// versions, so a seed always gives the same data). Each operation is drawn among those that keep the running value
/// in [0, max_value]: "+" and "-" are equally likely when both fit.
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
            var problem = Draw();
            if (_seen.Add(problem.Key)) return problem;
        }
        throw new InvalidOperationException($"could not draw a new distinct problem after {_seen.Count} (the task shape allows too few; widen the ranges or lower the counts)");
    }

    /// <summary><paramref name="count"/> distinct problems.</summary>
    public IReadOnlyList<ArithmeticProblem> Take(int count) => Enumerable.Range(0, count).Select(_ => Next()).ToList();

    private ArithmeticProblem Draw()
    {
        int count = _random.Next(_shape.MinOperations, _shape.MaxOperations + 1);
        int value = _random.Next(0, _shape.MaxValue + 1);
        int start = value;
        var ops = new List<ArithmeticOperation>(count);
        for (int i = 0; i < count; i++)
        {
            int maxAdd = Math.Min(_shape.MaxOperand, _shape.MaxValue - value);
            int maxSub = Math.Min(_shape.MaxOperand, value);
            bool canAdd = maxAdd >= _shape.MinOperand, canSub = maxSub >= _shape.MinOperand;
            if (!canAdd && !canSub) return Draw(); // a start and operand range that leave no room: draw again
            bool add = canAdd && (!canSub || _random.Next(2) == 0);
            int operand = _random.Next(_shape.MinOperand, (add ? maxAdd : maxSub) + 1);
            var op = new ArithmeticOperation(add ? '+' : '-', operand);
            ops.Add(op);
            value = op.Apply(value);
        }
        return new ArithmeticProblem(start, ops);
    }
}
