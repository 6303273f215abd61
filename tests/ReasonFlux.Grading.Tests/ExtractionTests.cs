using System.Text;
using ReasonFlux.Grading.Extraction;

namespace ReasonFlux.Grading.Tests;

public class ExtractionTests
{
    /// <summary>A ~4k-character chain of thought with intermediate boxes and numbers.</summary>
    internal static string LongReasoning(int seed, string ending)
    {
        var sb = new StringBuilder("<think>\n");
        var rng = new Random(seed);
        while (sb.Length < 3800)
        {
            int a = rng.Next(2, 99), b = rng.Next(2, 99);
            sb.Append($"Let me try $x = {a}$: then $x^2 + {b} = {a * a + b}$, which is not \\boxed{{{a}}}. Hmm, wait.\n");
        }
        sb.Append("</think>\n").Append(ending);
        return sb.ToString();
    }

    [Fact]
    public void ExtractMath_LongOutput_TakesBoxAfterThinking()
    {
        var response = LongReasoning(1, "The area is $\\boxed{\\frac{7}{2}}$ square units.");
        var result = AnswerExtractor.ExtractMath(response);
        Assert.Equal("\\frac{7}{2}", result.Answer);
        Assert.Equal(AnswerSource.Boxed, result.Source);
        Assert.True(AnswerGrader.Grade("3.5", response).Equal);
    }

    [Fact]
    public void ExtractMath_TruncatedThinking_NoAnswer()
    {
        var response = LongReasoning(2, "")[..3000];
        var result = AnswerGrader.Grade("5", response);
        Assert.False(result.Equal);
        Assert.Equal(GradeReason.UnfinishedThinking, result.Reason);
        Assert.Null(result.Extracted);
    }

    [Fact]
    public void ExtractMath_UnterminatedFinalBox_NoFallbackToEarlierBox()
    {
        var response = LongReasoning(3, "So \\boxed{12}. Actually the final answer is \\boxed{\\frac{3}{");
        var result = AnswerGrader.Grade("12", response);
        Assert.False(result.Equal);
        Assert.Equal(GradeReason.UnterminatedBox, result.Reason);
    }

    [Fact]
    public void ExtractMath_AdjacentBoxes_JoinAsSet_ProseSeparatedDoNot()
    {
        Assert.Equal("-2, 1", AnswerExtractor.ExtractMath("roots: $\\boxed{-2}$ and $\\boxed{1}$.").Answer);
        Assert.Equal("2", AnswerExtractor.ExtractMath("\\boxed{1} is wrong because it fails the check, so \\boxed{2}").Answer);
        Assert.Equal("004", AnswerExtractor.ExtractMath("\\boxed{004}\n\n\\boxed{004}").Answer);
    }

    [Fact]
    public void ExtractMath_NestedBracesAndFbox_AreMatched()
    {
        Assert.Equal("\\frac{\\sqrt{3}}{2}", AnswerExtractor.ExtractMath("thus \\boxed {\\frac{\\sqrt{3}}{2}} done").Answer);
        Assert.Equal("12", AnswerExtractor.ExtractMath("thus \\fbox{12}").Answer);
        Assert.Equal("5", AnswerExtractor.ExtractMath("so $\\boxed 5$").Answer);
    }

    [Fact]
    public void ExtractMath_AnswerMarkers_InDocumentedOrder()
    {
        Assert.Equal("\\frac{1}{2}", AnswerExtractor.ExtractMath("Final Answer: The final answer is $\\frac{1}{2}$. I hope it is correct.").Answer);
        Assert.Equal("17", AnswerExtractor.ExtractMath("Answer: 15\nrecheck\nAnswer: 17").Answer);
        Assert.Equal("42", AnswerExtractor.ExtractMath("**Answer:**\n42").Answer);
        Assert.Equal("189", AnswerExtractor.ExtractMath("Therefore, the answer is 189.").Answer);
        Assert.Equal("9", AnswerExtractor.ExtractMath("<answer>9</answer>").Answer);
        Assert.Null(AnswerExtractor.ExtractMath("I computed 12 and then 13.").Answer);
        Assert.Equal("13", AnswerExtractor.ExtractMath("I computed 12 and then 13.", new GradingOptions { LenientFallback = true }).Answer);
    }

    [Fact]
    public void ExtractChoice_GpqaFormats()
    {
        Assert.Equal("C", ChoiceExtractor.Extract(LongReasoning(4, "Comparing the options...\n**Answer: C**")).Answer);
        Assert.Equal("B", ChoiceExtractor.Extract("Answer: (B)").Answer);
        Assert.Equal("E", ChoiceExtractor.Extract("\\boxed{\\text{E}}").Answer);
        Assert.Equal("C", ChoiceExtractor.Extract("answer: c").Answer);
        Assert.Null(ChoiceExtractor.Extract("Answer: a careful look shows nothing").Answer);
        Assert.Null(ChoiceExtractor.Extract("The mechanism involves Delta E and D-glucose.").Answer);
        Assert.Equal('C', ChoiceExtractor.NormalizeGold("(C)"));
    }
}
