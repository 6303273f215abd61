namespace ReasonFlux.Tasks.Arithmetic;

/// <summary>
/// A chain problem: start at <see cref="Start"/> and apply <see cref="Operations"/> in order. The true running values
/// are known, so every written step can be checked exactly.
/// </summary>
public sealed record ArithmeticProblem(int Start, IReadOnlyList<ArithmeticOperation> Operations)
{
    /// <summary>The value before step i (i = 0 … Count) and, at index Count, the answer.</summary>
    public IReadOnlyList<int> RunningValues
    {
        get
        {
            var values = new int[Operations.Count + 1];
            values[0] = Start;
            for (int i = 0; i < Operations.Count; i++) values[i + 1] = Operations[i].Apply(values[i]);
            return values;
        }
    }

    public int Answer => RunningValues[^1];

    /// <summary>
    /// "Compute 47 + 8 - 5 + 9." (the chat template's system turn asks for \boxed{}). The expression form keeps the
    /// prompt short and puts each step's operator and operand right after the previous one's, which a two-layer model
    /// learns to copy far sooner than operations spelled out in words.
    /// </summary>
    public string Text => $"Compute {Start}{string.Concat(Operations.Select(o => $" {o.Operator} {o.Operand}"))}.";

    /// <summary>The correct steps, one per operation.</summary>
    public IReadOnlyList<ArithmeticStep> CorrectSteps()
    {
        var values = RunningValues;
        return Operations.Select((o, i) => new ArithmeticStep(values[i], o.Operator, o.Operand, values[i + 1])).ToList();
    }

    /// <summary>A key that identifies the problem, to keep splits disjoint.</summary>
    public string Key => Start + string.Concat(Operations.Select(o => $"{o.Operator}{o.Operand}"));
}
