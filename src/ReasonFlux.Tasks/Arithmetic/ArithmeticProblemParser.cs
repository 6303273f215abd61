using System.Globalization;
using System.Text.RegularExpressions;

namespace ReasonFlux.Tasks.Arithmetic;

/// <summary>
/// Reads a problem text back into its chain: "Compute 74 + 3 + 1 - 5." gives start 74 and operations +3, +1, -5. Strict:
/// only the exact text <see cref="ArithmeticProblem.Text"/> writes is accepted (one space around each operator, no
/// leading zeros, the final period), so a problem file from anywhere else is refused rather than half-read, and
/// labels computed from the parsed chain are the labels of the problem the policy was shown.
/// </summary>
public static partial class ArithmeticProblemParser
{
    [GeneratedRegex(@"^Compute (\d+)((?: [+-] \d+)+)\.\z")]
    private static partial Regex ProblemPattern();

    [GeneratedRegex(@" ([+-]) (\d+)")]
    private static partial Regex OperationPattern();

    /// <summary>The chain of <paramref name="text"/>; <see cref="FormatException"/> saying what is wrong when it is not one.</summary>
    public static ArithmeticProblem Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var m = ProblemPattern().Match(text);
        if (!m.Success)
            throw new FormatException($"problem text \"{Shorten(text)}\" is not a chain problem: expected \"Compute N + A - B ….\" " +
                "(the quickstart data stage's form: a start value, one or more \"+ N\" or \"- N\" with one space around the operator, a final period)");
        int start = Number(m.Groups[1].Value, text);
        var ops = OperationPattern().Matches(m.Groups[2].Value)
            .Select(o => new ArithmeticOperation(o.Groups[1].Value[0], Number(o.Groups[2].Value, text))).ToList();
        var problem = new ArithmeticProblem(start, ops);
        // The pattern admits "07"; the generator never writes it, so such a text came from elsewhere.
        if (problem.Text != text)
            throw new FormatException($"problem text \"{Shorten(text)}\" is not written as the generator writes it (\"{problem.Text}\"): a number has a leading zero");
        return problem;
    }

    private static int Number(string digits, string text) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new FormatException($"problem text \"{Shorten(text)}\": the number {Shorten(digits)} does not fit a 32-bit integer");

    private static string Shorten(string s) => s.Length <= 120 ? s : s[..117] + "...";
}
