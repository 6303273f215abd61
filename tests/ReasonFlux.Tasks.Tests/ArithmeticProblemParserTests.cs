using ReasonFlux.Tasks.Arithmetic;

namespace ReasonFlux.Tasks.Tests;

public sealed class ArithmeticProblemParserTests
{
    [Theory]
    [InlineData(1, 1, false, 10, 99)]
    [InlineData(3, 3, false, 10, 99)]
    [InlineData(1, 6, true, 0, 999)]
    public void Parse_GeneratedProblems_RoundTrip(int minOps, int maxOps, bool carries, int minValue, int maxValue)
    {
        var shape = new ArithmeticTaskShape { MinOperations = minOps, MaxOperations = maxOps, MinOperand = 1, MaxOperand = 9, MinValue = minValue, MaxValue = maxValue, Carries = carries };
        foreach (var p in new ArithmeticProblemGenerator(shape, 4).Take(300))
        {
            var parsed = ArithmeticProblemParser.Parse(p.Text);
            Assert.Equal(p.Start, parsed.Start);
            Assert.Equal(p.Operations, parsed.Operations);
            Assert.Equal(p.Answer, parsed.Answer);
            Assert.Equal(p.Text, parsed.Text);
        }
    }

    [Fact]
    public void Parse_TheBriefsExample_GivesItsChain()
    {
        var p = ArithmeticProblemParser.Parse("Compute 74 + 3 + 1 - 5.");
        Assert.Equal(74, p.Start);
        Assert.Equal([new('+', 3), new('+', 1), new('-', 5)], p.Operations);
        Assert.Equal(73, p.Answer);
    }

    [Theory]
    [InlineData("Compute 74 +3.", "not a chain problem")]
    [InlineData("Compute 74 + 3", "not a chain problem")]
    [InlineData("compute 74 + 3.", "not a chain problem")]
    [InlineData("Compute 74.", "not a chain problem")]
    [InlineData("Compute 74 * 3.", "not a chain problem")]
    [InlineData("Compute 74 + 3.\n", "not a chain problem")]
    [InlineData("What is 1+1?", "not a chain problem")]
    [InlineData("Compute 074 + 3.", "leading zero")]
    [InlineData("Compute 74 + 99999999999.", "does not fit a 32-bit integer")]
    public void Parse_MalformedText_FormatExceptionQuotingTheText(string text, string reason)
    {
        var e = Assert.Throws<FormatException>(() => ArithmeticProblemParser.Parse(text));
        Assert.Contains(reason, e.Message);
        Assert.Contains($"\"{text}\"", e.Message);
    }
}
