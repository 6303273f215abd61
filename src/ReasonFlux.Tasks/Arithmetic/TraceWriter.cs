namespace ReasonFlux.Tasks.Arithmetic;

/// <summary>
/// Writes traces of a chosen quality for a problem. Errors are the ones a small model makes: a result off by one,
/// by ten (a dropped or extra carry), or with the last digit off by a few. Wrong values stay in
/// [<paramref name="minValue"/>, <paramref name="maxValue"/>] where they can, so a number's width or sign is no tell.
/// </summary>
public sealed class TraceWriter(Random random, int minValue = 0, int maxValue = int.MaxValue)
{
    private static readonly int[] ErrorOffsets = [1, -1, 10, -10, 2, -2, 9, -9, 11, -11];

    public ArithmeticTrace Correct(ArithmeticProblem problem) =>
        new(problem, problem.CorrectSteps(), problem.Answer, TraceQuality.Correct);

    /// <summary>
    /// One step before the last has a wrong result and the next step starts again from the true value, so the answer
    /// is right. Problems with one operation have no such step: they get a trace that writes a wrong result and then
    /// the right boxed answer.
    /// </summary>
    public ArithmeticTrace FlawedRightAnswer(ArithmeticProblem problem)
    {
        var steps = problem.CorrectSteps().ToList();
        int at = steps.Count == 1 ? 0 : random.Next(steps.Count - 1);
        steps[at] = steps[at] with { Result = WrongValue(steps[at].Result) };
        return new ArithmeticTrace(problem, steps, problem.Answer, TraceQuality.FlawedRightAnswer);
    }

    /// <summary>One step has a wrong result and every later step computes correctly from it, to a wrong answer.</summary>
    public ArithmeticTrace Wrong(ArithmeticProblem problem)
    {
        var truth = problem.CorrectSteps();
        int at = random.Next(truth.Count);
        var steps = new List<ArithmeticStep>(truth.Count);
        int value = problem.Start;
        for (int i = 0; i < truth.Count; i++)
        {
            var op = problem.Operations[i];
            int result = i == at ? WrongValue(op.Apply(value)) : op.Apply(value);
            steps.Add(new ArithmeticStep(value, op.Operator, op.Operand, result));
            value = result;
        }
        return new ArithmeticTrace(problem, steps, value, TraceQuality.Wrong);
    }

    public ArithmeticTrace Write(ArithmeticProblem problem, TraceQuality quality) => quality switch
    {
        TraceQuality.Correct => Correct(problem),
        TraceQuality.FlawedRightAnswer => FlawedRightAnswer(problem),
        TraceQuality.Wrong => Wrong(problem),
        _ => throw new ArgumentOutOfRangeException(nameof(quality)),
    };

    private int WrongValue(int value)
    {
        // A value outside the problems' range would be a tell the PRM could learn instead of checking the arithmetic.
        for (int attempt = 0; attempt <= 20; attempt++)
        {
            int candidate = value + ErrorOffsets[random.Next(ErrorOffsets.Length)];
            if (candidate >= minValue && candidate <= maxValue) return candidate;
        }
        return value + 1 <= maxValue || value - 1 < Math.Max(minValue, 0) ? value + 1 : value - 1;
    }
}
