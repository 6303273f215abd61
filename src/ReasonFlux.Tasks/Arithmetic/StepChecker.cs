using System.Globalization;
using System.Text.RegularExpressions;

namespace ReasonFlux.Tasks.Arithmetic;

/// <summary>
/// Labels written steps against the problem's known chain. Step i is right when it is "V OP N = R" with V the true
/// value before operation i, OP N the problem's operation i and R the true value after it. A step that goes on
/// correctly from an earlier wrong value is wrong too (it does not lead to the answer), as in process supervision.
/// </summary>
public static partial class StepChecker
{
    [GeneratedRegex(@"^\s*(-?\d+)\s*([+-])\s*(\d+)\s*=\s*(-?\d+)\s*\.?\s*$")]
    private static partial Regex StepPattern();

    /// <summary>Parses "47 + 38 = 85"; null when the text is not a step of that form.</summary>
    public static ArithmeticStep? Parse(string text)
    {
        var m = StepPattern().Match(text);
        if (!m.Success) return null;
        static int Int(Group g) => int.Parse(g.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return new ArithmeticStep(Int(m.Groups[1]), m.Groups[2].Value[0], Int(m.Groups[3]), Int(m.Groups[4]));
    }

    /// <summary>One label per written step: true when it is the problem's step at that position, done right.</summary>
    public static bool[] Label(ArithmeticProblem problem, IReadOnlyList<string> stepTexts)
    {
        var truth = problem.CorrectSteps();
        var labels = new bool[stepTexts.Count];
        for (int i = 0; i < stepTexts.Count; i++)
            labels[i] = i < truth.Count && Parse(stepTexts[i]) is { } step && step == truth[i];
        return labels;
    }
}
