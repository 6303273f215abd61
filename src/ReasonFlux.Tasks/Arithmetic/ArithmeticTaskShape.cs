namespace ReasonFlux.Tasks.Arithmetic;

/// <summary>
/// How hard the problems are: chain length, number ranges and whether steps may carry. Every running value stays in
/// [<see cref="MinValue"/>, <see cref="MaxValue"/>]: with 10 and 99 every number keeps two digits whatever the chain
/// does, so each step has the same layout and a small model copies by position.
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

    /// <summary>Smallest start and running value.</summary>
    public int MinValue { get; init; }

    /// <summary>Largest start and running value.</summary>
    public int MaxValue { get; init; } = 99;

    /// <summary>Whether a step may carry (addition) or borrow (subtraction) in some digit; false keeps every step digit by digit.</summary>
    public bool Carries { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad field.</summary>
    public void Validate()
    {
        if (MinOperations < 1) throw new ArgumentException($"min_operations is {MinOperations}; it must be at least 1");
        if (MaxOperations < MinOperations) throw new ArgumentException($"max_operations {MaxOperations} is below min_operations {MinOperations}");
        if (MinOperand < 1) throw new ArgumentException($"min_operand is {MinOperand}; it must be at least 1");
        if (MaxOperand < MinOperand) throw new ArgumentException($"max_operand {MaxOperand} is below min_operand {MinOperand}");
        if (MinValue < 0) throw new ArgumentException($"min_value is {MinValue}; it must be at least 0");
        if (MaxValue < MinValue) throw new ArgumentException($"max_value {MaxValue} is below min_value {MinValue}");
        if (MaxValue - MinValue < MinOperand) throw new ArgumentException($"max_value - min_value ({MaxValue - MinValue}) is below min_operand {MinOperand}: no operation would fit");
    }
}
