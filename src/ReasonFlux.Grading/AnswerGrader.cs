using ReasonFlux.Grading.Equivalence;
using ReasonFlux.Grading.Extraction;
using ReasonFlux.Grading.Numerics;

namespace ReasonFlux.Grading;

/// <summary>
/// Outcome grading: extract the final answer from a model response and decide whether it equals the gold
/// answer. Stateless and thread-safe; every comparison runs under <see cref="GradingOptions.TimeLimit"/>
/// and a step budget, and a timeout counts as not equal.
/// </summary>
public static class AnswerGrader
{
    /// <summary>
    /// Grades one response. For <see cref="GradingTask.Math"/> the gold may be a bare answer ("\frac{14}{3}")
    /// or a solution containing \boxed{}; for <see cref="GradingTask.Choice"/> it is a letter ("C", "(C)").
    /// </summary>
    public static GradeResult Grade(string gold, string response, GradingTask task = GradingTask.Math, GradingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(response);
        options ??= GradingOptions.Default;
        if (string.IsNullOrWhiteSpace(gold)) return new GradeResult(false, null, GradeReason.EmptyGold);

        var extracted = Extract(response, task, options);
        if (extracted.Answer is null) return new GradeResult(false, null, extracted.Failure);

        if (task == GradingTask.Choice) return GradeChoice(gold, extracted, options);

        var goldAnswer = GoldAnswer(gold);
        var verdict = CompareAnswers(goldAnswer, extracted.Answer, options);
        return new GradeResult(verdict == GradeReason.Equivalent, extracted.Answer, verdict);
    }

    /// <summary>
    /// Answer mode: grades <paramref name="prediction"/> as an answer, not as a response ("7,425,000",
    /// "\frac{10}{9}", "$x \leq 5$", "D"). See <see cref="BareAnswerExtractor"/> for what is taken from it;
    /// for <see cref="GradingTask.Choice"/> the letter forms of <see cref="ChoiceExtractor"/> apply.
    /// </summary>
    public static GradeResult GradeAnswer(string gold, string prediction, GradingTask task = GradingTask.Math, GradingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(prediction);
        options ??= GradingOptions.Default;
        if (string.IsNullOrWhiteSpace(gold)) return new GradeResult(false, null, GradeReason.EmptyGold);
        if (task == GradingTask.Choice) return GradeChoice(gold, ChoiceExtractor.Extract(prediction, options), options);
        var extracted = BareAnswerExtractor.Extract(prediction, options);
        if (extracted.Answer is null) return new GradeResult(false, null, extracted.Failure);
        var verdict = CompareAnswers(GoldAnswer(gold), extracted.Answer, options);
        return new GradeResult(verdict == GradeReason.Equivalent, extracted.Answer, verdict);
    }

    /// <summary>Grades in <paramref name="mode"/>: <see cref="Grade"/> for responses, <see cref="GradeAnswer"/> for answers.</summary>
    public static GradeResult Grade(string gold, string prediction, GradingMode mode, GradingTask task = GradingTask.Math, GradingOptions? options = null) =>
        mode == GradingMode.Answer ? GradeAnswer(gold, prediction, task, options) : Grade(gold, prediction, task, options);

    /// <summary>Extracts the final answer of <paramref name="response"/> without grading it.</summary>
    public static ExtractionResult Extract(string response, GradingTask task = GradingTask.Math, GradingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        options ??= GradingOptions.Default;
        return task == GradingTask.Choice ? ChoiceExtractor.Extract(response, options) : AnswerExtractor.ExtractMath(response, options);
    }

    /// <summary>
    /// Compares two already-extracted answers (no extraction on <paramref name="predicted"/>). The first
    /// argument is the reference: its precision, percent sign and tuple/set reading decide. Used for gold
    /// comparisons and for clustering answers in majority voting.
    /// </summary>
    public static bool AreEquivalent(string gold, string predicted, GradingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(predicted);
        return CompareAnswers(gold, predicted, options ?? GradingOptions.Default) == GradeReason.Equivalent;
    }

    private static GradeResult GradeChoice(string gold, ExtractionResult extracted, GradingOptions options)
    {
        if (extracted.Answer is null) return new GradeResult(false, null, extracted.Failure);
        var goldLetter = ChoiceExtractor.NormalizeGold(gold, options);
        bool equal = goldLetter is char g && extracted.Answer.Length == 1 && extracted.Answer[0] == g;
        return new GradeResult(equal, extracted.Answer, equal ? GradeReason.Equivalent : GradeReason.NotEquivalent);
    }

    /// <summary>The gold's answer: the last box of a worked solution, else the whole string.</summary>
    public static string GoldAnswer(string gold) =>
        BoxScanner.TryExtractLast(gold, out var boxed) == BoxScanner.Status.Found ? boxed : gold;

    private static GradeReason CompareAnswers(string gold, string predicted, GradingOptions options)
    {
        // Fast path: identical text (AIME-style integers, repeated samples) needs no parsing at all.
        if (string.Equals(gold.Trim(), predicted.Trim(), StringComparison.Ordinal) && gold.Trim().Length > 0) return GradeReason.Equivalent;
        var budget = new ComputeBudget(options.TimeLimit);
        try
        {
            var g = ParsedAnswer.Create(gold, budget);
            var p = ParsedAnswer.Create(predicted, budget);
            return new MathEquivalence(options, budget).AreEquivalent(g, p) ? GradeReason.Equivalent : GradeReason.NotEquivalent;
        }
        catch (GradingTimeoutException)
        {
            return GradeReason.Timeout;
        }
        catch (Exception e) when (e is OverflowException or ArithmeticException or OutOfMemoryException or InsufficientExecutionStackException)
        {
            return GradeReason.NotEquivalent;
        }
    }
}
