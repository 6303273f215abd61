using ReasonFlux.Grading.Extraction;

namespace ReasonFlux.Grading.Tests;

/// <summary>Answer mode and the whole-number rule of the lenient fallback, on the issue's own examples.</summary>
public class AnswerModeTests
{
    private static readonly GradingOptions Lenient = new() { LenientFallback = true };

    [Theory]
    [InlineData("7425000", "7,425,000", "7,425,000")]
    [InlineData("10/9", "\\frac{10}{9}", "\\frac{10}{9}")]
    [InlineData("0.4", ".4", ".4")]
    [InlineData("x \\le 5", "$x \\leq 5$", "x \\leq 5")]
    [InlineData("1000", "1 000", "1 000")]
    [InlineData("9", "Answer \\[ 9 \\]", "9")]
    [InlineData("40/9", "The answer is 4 4/9.", "4 4/9")]
    [InlineData("1000.99", "the number is not 10 which is 1,000.99€", "1,000.99")]
    public void GradeAnswer_BareAnswers_TakesTheWholeAnswer(string gold, string prediction, string extracted)
    {
        var result = AnswerGrader.GradeAnswer(gold, prediction);
        Assert.True(result.Equal, $"{prediction} → {result.Extracted} ({result.Reason})");
        Assert.Equal(extracted, result.Extracted);
    }

    [Fact]
    public void ResponseMode_Default_StillFindsNoAnswerInBareText()
    {
        // RL-safe default: without a marker nothing is taken, so merely mentioning a number earns nothing.
        var result = AnswerGrader.Grade("7425000", "7,425,000");
        Assert.False(result.Equal);
        Assert.Equal(GradeReason.NoAnswer, result.Reason);
        Assert.Equal(result, AnswerGrader.Grade("7425000", "7,425,000", GradingMode.Response));
    }

    [Theory]
    [InlineData("\\frac{10}{9}", "\\frac{10}{9}")]
    [InlineData(".4", ".4")]
    [InlineData("1 000", "1 000")]
    [InlineData("so we get 7,425,000 in all", "7,425,000")]
    [InlineData("the ratio is \\frac{x}{2} and then 12:00 came", "12:00")]
    [InlineData("we need \\frac{x}{2}", null)]
    [InlineData("AZYUK2A", null)]
    [InlineData("so we get 4 4/9 2", "2")]
    [InlineData("so we get 5", "5")]
    public void LenientFallback_NeverTakesAFragment(string response, string? expected)
    {
        var e = AnswerExtractor.ExtractMath(response, Lenient);
        Assert.Equal(expected, e.Answer);
    }

    [Theory]
    [InlineData("The answer is for sure D, it can't be A or B", "D")]
    [InlineData("D. it can't be A or B", "D")]
    [InlineData("(D) because the others fail", "D")]
    [InlineData("After all that, **D** is right.", "D")]
    [InlineData("Answer: D", "D")]
    [InlineData("the answer is clearly (B).", "B")]
    [InlineData("It's not A because of X, therefore I think it's B", null)]
    [InlineData("The answer is not A", null)]
    [InlineData("I think so.", null)]
    [InlineData("A careful look shows nothing.", null)]
    public void ChoiceExtraction_LightevalAndSimpleEvalsForms(string response, string? letter)
    {
        Assert.Equal(letter, ChoiceExtractor.Extract(response).Answer);
    }

    [Theory]
    [InlineData("(D) Alina", 'D')]
    [InlineData("C Cecile", 'C')]
    [InlineData("Alina and the answer is\n(C) Cecile", 'C')]
    public void ChoiceGold_WrittenWithTheChoiceText(string gold, char letter)
    {
        Assert.Equal(letter, ChoiceExtractor.NormalizeGold(gold));
    }

    [Fact]
    public void GradeFile_AnswerMode_GradesPredAsAnAnswer()
    {
        var dir = Directory.CreateTempSubdirectory("rf-grade-answer-").FullName;
        try
        {
            var input = Path.Combine(dir, "in.jsonl");
            File.WriteAllText(input, "{\"gold\": \"10/9\", \"pred\": \"\\\\frac{10}{9}\"}\n{\"gold\": \"D\", \"pred\": \"D. it can't be A\", \"task\": \"choice\"}\n");
            Assert.Equal(new JsonlGradingSummary(2, 2, 0), JsonlGrading.GradeFile(input, Path.Combine(dir, "a.jsonl"), mode: GradingMode.Answer));
            Assert.Equal(new JsonlGradingSummary(2, 1, 1), JsonlGrading.GradeFile(input, Path.Combine(dir, "r.jsonl")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
