using ReasonFlux.Tests.Shared;

namespace ReasonFlux.Fuzz.Tests;

/// <summary>
/// The CI side of fuzzing (tests/fuzz/run.sh is the fuzzing itself, never part of the suite): every seed and every
/// input the fuzzer once crashed on goes through its harness again, and must end accepted or refused with a clear
/// error, within a few seconds.
/// </summary>
public sealed class FuzzCorpusReplayTests
{
    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in new[] { "corpus", "regressions" })
        {
            string root = Path.Combine(RepoPaths.Root, "tests", "fuzz", kind);
            if (!Directory.Exists(root)) continue;
            foreach (var dir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
                foreach (var file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
                    data.Add(Path.GetFileName(dir), Path.GetRelativePath(RepoPaths.Root, file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Input_IsAcceptedOrRefusedClearly(string target, string file)
    {
        Assert.True(FuzzTargets.All.TryGetValue(target, out var harness), $"{file}: no harness named \"{target}\"");
        var bytes = File.ReadAllBytes(Path.Combine(RepoPaths.Root, file));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        ExpectedFailure.Run(harness, bytes); // an unexpected exception fails the test with its stack
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"{file}: took {watch.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void GeneratedSeeds_AreAcceptedByTheirHarness()
    {
        string dir = Directory.CreateTempSubdirectory("rf-fuzz-seeds").FullName;
        try
        {
            SeedFiles.Write(dir);
            foreach (var targetDir in Directory.GetDirectories(dir))
                foreach (var file in Directory.GetFiles(targetDir))
                    Assert.True(ExpectedFailure.Run(FuzzTargets.All[Path.GetFileName(targetDir)], File.ReadAllBytes(file)), $"{file} was refused");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void EveryHarness_HasCommittedSeeds()
    {
        var seeded = Directory.GetDirectories(Path.Combine(RepoPaths.Root, "tests", "fuzz", "corpus")).Select(Path.GetFileName).ToHashSet();
        var unseeded = FuzzTargets.All.Keys.Where(k => !seeded.Contains(k)).ToList();
        Assert.True(unseeded.Count == 0, "harnesses without tests/fuzz/corpus seeds: " + string.Join(", ", unseeded));
    }

    [Fact]
    public void BclExceptions_AreNotClearErrors()
    {
        Assert.False(ExpectedFailure.Is(Catch(() => int.Parse("x"))));
        Assert.False(ExpectedFailure.Is(Catch(() => "abc".Substring(5))));
        Assert.True(ExpectedFailure.Is(Catch(() => ReasonFlux.IO.JsonlReader.ReadAll("/nonexistent/x.jsonl"))));
    }

    private static Exception Catch(Action a)
    {
        try
        {
            a();
        }
        catch (Exception e)
        {
            return e;
        }
        throw new InvalidOperationException("no exception");
    }
}
