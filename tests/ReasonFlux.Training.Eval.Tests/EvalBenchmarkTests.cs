using ReasonFlux.Grading;

namespace ReasonFlux.Training.Eval.Tests;

public class EvalBenchmarkTests
{
    /// <summary>Official GPQA column names (a subset of the real header, in its order) with made-up questions.</summary>
    internal const string GpqaCsv =
        "Pre-Revision Question,Question,Correct Answer,Incorrect Answer 1,Incorrect Answer 2,Incorrect Answer 3,Explanation,Record ID,High-level domain\n" +
        "old,What is heavier?,Lead block,Feather,Cotton ball,\"Air, at sea level\",because,recA1,Physics\n" +
        "old,Which is a noble gas?,Argon,Oxygen,Nitrogen,Hydrogen,group 18,recB2,Chemistry\n" +
        "old,Which organelle makes ATP?,Mitochondrion,Ribosome,Golgi body,Lysosome,\"multi\nline\",recC3,Biology\n" +
        "old,What is 7 x 6?,42,41,43,36,arithmetic,recD4,Math\n" +
        "old,Which planet is largest?,Jupiter,Mars,Venus,Mercury,size,recE5,Astronomy\n";

    [Fact]
    public void Load_BuiltInName_LoadsShippedFileAndLimits()
    {
        var all = EvalBenchmark.Load("math500");
        Assert.Equal(500, all.Items.Count);
        Assert.Equal("math500", all.Name);
        var three = EvalBenchmark.Load("aime24", limit: 3);
        Assert.Equal(["2024-I-1", "2024-I-2", "2024-I-3"], three.Items.Select(i => i.Id));
        Assert.Equal(["204", "25", "809"], three.Items.Select(i => i.Answer));
        Assert.All(three.Items, i => Assert.Equal(GradingTask.Math, i.Task));
    }

    [Fact]
    public void Load_JsonlWithProblemAndAnswer_ReadsInOrderWithLimit()
    {
        using var dir = new TempDir();
        var path = dir.Write("my-set.jsonl",
            "{\"problem\":\"1+1?\",\"answer\":\"2\"}\n\n{\"id\":\"x\",\"problem\":\"2+2?\",\"answer\":4}\n{\"problem\":\"3+3?\",\"answer\":\"6\",\"extra\":true}\n");
        var b = EvalBenchmark.Load(path);
        Assert.Equal("my-set", b.Name);
        Assert.Equal(["L1", "x", "L4"], b.Items.Select(i => i.Id));
        Assert.Equal(["2", "4", "6"], b.Items.Select(i => i.Answer));
        Assert.Equal(2, EvalBenchmark.Load(path, limit: 2).Items.Count);
        Assert.Equal(3, EvalBenchmark.Load(path, limit: 100).Items.Count);
    }

    [Fact]
    public void Load_GpqaCsv_ChoicesShuffledGoldLetterPointsAtCorrectAnswer()
    {
        using var dir = new TempDir();
        var csv = dir.Write("gpqa_diamond.csv", GpqaCsv);
        var b = EvalBenchmark.Load("gpqa-diamond", gpqaCsvPath: csv);
        Assert.Equal("gpqa-diamond", b.Name);
        Assert.Equal(5, b.Items.Count);
        Assert.Equal(["recA1", "recB2", "recC3", "recD4", "recE5"], b.Items.Select(i => i.Id));
        string[] correct = ["Lead block", "Argon", "Mitochondrion", "42", "Jupiter"];
        for (int i = 0; i < 5; i++)
        {
            var item = b.Items[i];
            Assert.Equal(GradingTask.Choice, item.Task);
            Assert.Matches("^[ABCD]$", item.Answer);
            Assert.Contains($"\n{item.Answer}) {correct[i]}", "\n" + item.Problem.Split("\n\n", 2)[1]);
            foreach (var letter in "ABCD") Assert.Contains($"{letter}) ", item.Problem);
        }
        // The correct answer sits first in the file; the shuffle must not leave it at A everywhere.
        Assert.True(b.Items.Select(i => i.Answer).Distinct().Count() > 1);
        Assert.Contains("Air, at sea level", string.Join("\n", b.Items.Select(i => i.Problem)));
        // Deterministic: a second load gives the same order.
        Assert.Equal(b.Items, EvalBenchmark.Load(csv).Items);
        Assert.Equal(2, EvalBenchmark.Load("gpqa-diamond", csv, limit: 2).Items.Count);
    }

    [Fact]
    public void Load_GpqaSeed_ReshufflesEveryQuestionAndKeepsGoldAndDomain()
    {
        using var dir = new TempDir();
        var csv = dir.Write("gpqa_diamond.csv", GpqaCsv);
        var seed0 = EvalBenchmark.Load("gpqa-diamond", csv).Items;
        var seeds = Enumerable.Range(1, 6).Select(seed => EvalBenchmark.Load("gpqa-diamond", csv, gpqaSeed: seed).Items).ToList();
        Assert.Equal(seeds[0], EvalBenchmark.Load("gpqa-diamond", csv, gpqaSeed: 1).Items);
        Assert.Contains(seeds, items => !items.Select(i => i.Problem).SequenceEqual(seed0.Select(i => i.Problem)));
        string[] correct = ["Lead block", "Argon", "Mitochondrion", "42", "Jupiter"];
        foreach (var items in seeds)
            for (int i = 0; i < 5; i++) Assert.Contains($"\n{items[i].Answer}) {correct[i]}", "\n" + items[i].Problem.Split("\n\n", 2)[1]);
        Assert.Equal(["Physics", "Chemistry", "Biology", "Math", "Astronomy"], seed0.Select(i => i.Domain));
    }

    [Fact]
    public void Load_GpqaWithoutCsv_SaysWhereToGetIt()
    {
        var e = Assert.Throws<ArgumentException>(() => EvalBenchmark.Load("gpqa-diamond"));
        Assert.Contains("--gpqa-csv", e.Message);
        Assert.Contains("huggingface.co/datasets/Idavidrein/gpqa", e.Message);
        Assert.Contains("gpqa_diamond.csv", e.Message);
    }

    [Fact]
    public void Load_CsvForAnotherBenchmark_Rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => EvalBenchmark.Load("math500", gpqaCsvPath: "x.csv"));
        Assert.Contains("only read with gpqa-diamond", e.Message);
    }

    [Fact]
    public void Load_UnknownName_ListsKnownNames()
    {
        var e = Assert.Throws<ArgumentException>(() => EvalBenchmark.Load("math5000"));
        Assert.Contains("unknown benchmark \"math5000\"", e.Message);
        foreach (var name in new[] { "math500", "aime24", "aime25", "amc23", "gpqa-diamond" }) Assert.Contains(name, e.Message);
    }

    [Fact]
    public void Load_MissingFile_FileNotFoundNamingIt()
    {
        var e = Assert.Throws<FileNotFoundException>(() => EvalBenchmark.Load("/nonexistent/set.jsonl"));
        Assert.Contains("/nonexistent/set.jsonl", e.Message);
        Assert.Throws<FileNotFoundException>(() => EvalBenchmark.Load("gpqa-diamond", "/nonexistent/gpqa.csv"));
    }

    [Fact]
    public void Load_BadJsonl_InvalidDataWithFileAndLine()
    {
        using var dir = new TempDir();
        var missing = dir.Write("missing.jsonl", "{\"problem\":\"1+1?\",\"answer\":\"2\"}\n{\"problem\":\"2+2?\"}\n");
        var e = Assert.Throws<InvalidDataException>(() => EvalBenchmark.Load(missing));
        Assert.Contains("missing.jsonl:2", e.Message);
        Assert.Contains("answer", e.Message);

        var broken = dir.Write("broken.jsonl", "{\"problem\":\"1+1?\",\"answer\":\"2\"}\n{not json\n");
        Assert.Contains("broken.jsonl:2", Assert.Throws<InvalidDataException>(() => EvalBenchmark.Load(broken)).Message);

        var empty = dir.Write("empty.jsonl", "\n");
        Assert.Contains("no items", Assert.Throws<InvalidDataException>(() => EvalBenchmark.Load(empty)).Message);
    }

    [Fact]
    public void Load_BadGpqaCsv_InvalidDataNamingColumns()
    {
        using var dir = new TempDir();
        var csv = dir.Write("bad.csv", "Question,Correct Answer\nq,a\n");
        var e = Assert.Throws<InvalidDataException>(() => EvalBenchmark.Load("gpqa-diamond", csv));
        Assert.Contains("Incorrect Answer 1", e.Message);
    }

    [Fact]
    public void Load_BadLimit_Rejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => EvalBenchmark.Load("aime24", limit: 0));
}
