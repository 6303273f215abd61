namespace ReasonFlux.Grading.Tests;

public class GradingCasesTests
{
    internal static string DataPath(string name) => Path.Combine(AppContext.BaseDirectory, "Data", name);

    public static IEnumerable<object[]> Cases() => GradingCase.Load(DataPath("cases.jsonl")).Select(c => new object[] { c });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Grade_PublicGraderCase_MatchesExpected(GradingCase c)
    {
        Assert.True(c.Evaluate() == c.Expected, $"{c.Source} line {c.Line}: expected {c.Expected}\n gold: {c.Gold}\n pred: {c.Pred}\n note: {c.Note}");
    }

    [Fact]
    public void CasesFile_HasAtLeast150CasesEachWithASource()
    {
        var cases = GradingCase.Load(DataPath("cases.jsonl")).ToList();
        Assert.True(cases.Count >= 150, $"only {cases.Count} cases");
        Assert.All(cases, c => Assert.False(string.IsNullOrWhiteSpace(c.Source)));
        Assert.Contains(cases, c => c.Expected);
        Assert.Contains(cases, c => !c.Expected);
    }
}
