namespace ReasonFlux.Tasks.Arithmetic;

/// <summary>
/// How hard the problems are: chain length and number ranges. Every running value stays in
/// [0, <see cref="MaxValue"/>], so the numbers keep the same width whatever the chain does.
/// </summary>
public sealed record ArithmeticTaskShape
{
    /// <summary>Fewest operations per problem.</summary>
    public int MinOperations { get; init; } = 2;

    /// <summary>Most operations per problem.</summary>
    public int MaxOperations { get; init; } = 4;

    /// <summary>Smallest operand.</summary>
    public int MinOperand { get; init; } = 2;

    /// <summary>Largest operand.</summary>
    public int MaxOperand { get; init; } = 49;

    /// <summary>Largest start and running value.</summary>
    public int MaxValue { get; init; } = 99;

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad field.</summary>
    public void Validate()
    {
        if (MinOperations < 1) throw new ArgumentException($"min_operations is {MinOperations}; it must be at least 1");
        if (MaxOperations < MinOperations) throw new ArgumentException($"max_operations {MaxOperations} is below min_operations {MinOperations}");
        if (MinOperand < 1) throw new ArgumentException($"min_operand is {MinOperand}; it must be at least 1");
        if (MaxOperand < MinOperand) throw new ArgumentException($"max_operand {MaxOperand} is below min_operand {MinOperand}");
        if (MaxValue < MinOperand) throw new ArgumentException($"max_value {MaxValue} is below min_operand {MinOperand}: no operation would fit");
    }
}
