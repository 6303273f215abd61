namespace ReasonFlux.Tasks.Arithmetic;

/// <summary>One operation of a chain: "+ 8" or "- 5".</summary>
public readonly record struct ArithmeticOperation(char Operator, int Operand)
{
    public int Apply(int value) => Operator switch
    {
        '+' => value + Operand,
        '-' => value - Operand,
        _ => throw new InvalidOperationException($"unknown operator '{Operator}'"),
    };
}

/// <summary>
/// One written reasoning step "LEFT OP OPERAND = RESULT". A trace may write wrong values into it; whether a step is
/// right is decided against the problem by <see cref="StepChecker"/>, never stored here.
/// </summary>
public readonly record struct ArithmeticStep(int Left, char Operator, int Operand, int Result)
{
    public override string ToString() => $"{Left} {Operator} {Operand} = {Result}";
}
