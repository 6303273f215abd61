using ReasonFlux.Grading.Datasets;

namespace ReasonFlux.Grading.Tests;

public sealed class DatasetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rf-grading-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Theory]
    [InlineData("math500", 500)]
    [InlineData("aime24", 30)]
    [InlineData("aime25", 30)]
    [InlineData("amc23", 40)]
    public void LoadJsonl_ShippedBenchmarks_HaveManifestCounts(string name, int count)
    {
        var items = BenchmarkDataset.LoadJsonl(Path.Combine(AppContext.BaseDirectory, "Benchmarks", name + ".jsonl"));
        Assert.Equal(count, items.Count);
        Assert.All(items, i => Assert.False(string.IsNullOrWhiteSpace(i.Problem)));
    }

    [Fact]
    public void LoadJsonl_KnownAnswers_MatchDocSpotChecks()
    {
        var aime24 = BenchmarkDataset.LoadJsonl(Path.Combine(AppContext.BaseDirectory, "Benchmarks", "aime24.jsonl"));
        Assert.Equal("204", aime24.Single(i => i.Id == "2024-I-1").Answer);
        var aime25 = BenchmarkDataset.LoadJsonl(Path.Combine(AppContext.BaseDirectory, "Benchmarks", "aime25.jsonl"));
        Assert.Equal("70", aime25.Single(i => i.Id == "2025-I-1").Answer);
        var math = BenchmarkDataset.LoadJsonl(Path.Combine(AppContext.BaseDirectory, "Benchmarks", "math500.jsonl"));
        Assert.Equal("\\frac{14}{3}", math.Single(i => i.Id == "test/algebra/2584.json").Answer);
    }

    [Fact]
    public void LoadJsonl_AnyFileWithProblemAndAnswer_NumbersAndMissingIdsAccepted()
    {
        var path = Write("custom.jsonl", "{\"problem\": \"1+1?\", \"answer\": 2}\n\n{\"problem\": \"x?\", \"answer\": \"3\", \"id\": \"q2\"}\n");
        var items = BenchmarkDataset.LoadJsonl(path);
        Assert.Equal(("L1", "2"), (items[0].Id, items[0].Answer));
        Assert.Equal("q2", items[1].Id);
    }

    [Fact]
    public void LoadJsonl_MissingAnswer_ErrorNamesFileLineAndField()
    {
        var path = Write("bad.jsonl", "{\"problem\": \"a\", \"answer\": \"1\"}\n{\"problem\": \"b\"}\n");
        var e = Assert.Throws<InvalidDataException>(() => BenchmarkDataset.LoadJsonl(path));
        Assert.Contains("bad.jsonl:2", e.Message);
        Assert.Contains("answer", e.Message);
        Assert.Throws<FileNotFoundException>(() => BenchmarkDataset.LoadJsonl(Path.Combine(_dir, "none.jsonl")));
    }

    private const string Header = "Record ID,Question,Correct Answer,Incorrect Answer 1,Incorrect Answer 2,Incorrect Answer 3,Explanation\n";

    [Fact]
    public void LoadCsv_ShufflesDeterministically_AndSpreadsGoldLetters()
    {
        var sb = new System.Text.StringBuilder(Header);
        for (int i = 0; i < 40; i++) sb.Append($"rec{i},\"Question {i}, with a comma\nand a newline?\",right{i},wrong{i}a,wrong{i}b,\"wrong{i}\"\"c\"\"\",expl\n");
        var path = Write("gpqa.csv", sb.ToString());
        var first = GpqaDiamond.LoadCsv(path);
        var again = GpqaDiamond.LoadCsv(path);
        Assert.Equal(first, again);
        Assert.Equal(40, first.Count);
        Assert.All(first, item =>
        {
            Assert.Equal(GradingTask.Choice, item.Task);
            int n = int.Parse(item.Id[3..]);
            Assert.Contains($"{item.Answer}) right{n}", item.Problem);
            Assert.Contains("wrong" + n + "\"c\"", item.Problem);
            Assert.StartsWith($"Question {n}, with a comma\nand a newline?\n\nA) ", item.Problem);
        });
        var letters = first.GroupBy(i => i.Answer).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(4, letters.Count);
        Assert.All(letters.Values, count => Assert.InRange(count, 3, 20));
        var repeat1 = GpqaDiamond.LoadCsv(path, repeat: 1);
        Assert.NotEqual(first.Select(i => i.Answer), repeat1.Select(i => i.Answer));
    }

    [Fact]
    public void LoadCsv_MissingColumn_ErrorNamesFileAndColumn()
    {
        var path = Write("nocol.csv", "Question,Correct Answer,Incorrect Answer 1,Incorrect Answer 2\nq,a,b,c\n");
        var e = Assert.Throws<InvalidDataException>(() => GpqaDiamond.LoadCsv(path));
        Assert.Contains("nocol.csv:1", e.Message);
        Assert.Contains("Incorrect Answer 3", e.Message);
    }

    [Fact]
    public void LoadCsv_EmptyField_ErrorNamesLine()
    {
        var path = Write("empty.csv", Header + "r1,q1,a,b,c,d,e\nr2,\"multi\nline\",a,,c,d,e\n");
        var e = Assert.Throws<InvalidDataException>(() => GpqaDiamond.LoadCsv(path));
        Assert.Contains("empty.csv:3", e.Message);
        Assert.Contains("Incorrect Answer 1", e.Message);
    }

    [Fact]
    public void Permutation_IsAPermutationOfFour()
    {
        for (int r = 0; r < 10; r++)
            Assert.Equal([0, 1, 2, 3], GpqaDiamond.Permutation("rec" + r, r).Order());
    }
}
