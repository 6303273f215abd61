using System.Security.Cryptography;
using System.Text.Json;

namespace ReasonFlux.Runs.Tests;

public class CheckpointStoreTests
{
    private static SavedCheckpoint SaveState(CheckpointStore store, long step) =>
        store.Save(step, dir =>
        {
            File.WriteAllText(Path.Combine(dir, "state.txt"), step.ToString());
            Directory.CreateDirectory(Path.Combine(dir, "model"));
            File.WriteAllBytes(Path.Combine(dir, "model", "weights.bin"), Enumerable.Range(0, 4096).Select(i => (byte)(i * step)).ToArray());
        }, new Dictionary<string, string> { ["optimizer_step"] = (step * 2).ToString() });

    [Fact]
    public void Save_WritesFolderManifestAndLatest()
    {
        using var dir = new TempDir();
        var store = CheckpointStore.Open(dir.Path, keepLast: 3);
        var saved = SaveState(store, 10);

        Assert.Equal(dir["step-10"], saved.Path);
        Assert.False(Directory.Exists(dir["step-10.tmp"]));
        Assert.Equal("step-10", File.ReadAllText(dir["latest"]).Trim());
        var manifest = CheckpointManifest.Read(Path.Combine(saved.Path, "manifest.json"));
        Assert.Equal(10, manifest.Step);
        Assert.Equal(["model/weights.bin", "state.txt"], manifest.Files.Select(f => f.Path));
        var weights = File.ReadAllBytes(Path.Combine(saved.Path, "model", "weights.bin"));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(weights)), manifest.Files[0].Sha256);
        Assert.Equal(4096, manifest.Files[0].Bytes);
        Assert.Equal("20", manifest.Metadata["optimizer_step"]);
        Assert.Equal(10, CheckpointStore.FindLatestValid(dir.Path)!.Step);
    }

    [Fact]
    public void Save_KeepLast_DeletesOlderCheckpoints()
    {
        using var dir = new TempDir();
        var store = CheckpointStore.Open(dir.Path, keepLast: 2);
        foreach (var step in new long[] { 5, 10, 15, 20 }) SaveState(store, step);
        Assert.Equal([15L, 20L], CheckpointStore.ListSteps(dir.Path));
        Assert.Equal("step-20", File.ReadAllText(dir["latest"]).Trim());
    }

    [Fact]
    public void Save_CallbackThrows_LeavesPreviousCheckpointAndLatestIntact()
    {
        using var dir = new TempDir();
        var store = CheckpointStore.Open(dir.Path, keepLast: 3);
        SaveState(store, 1);
        Assert.Throws<IOException>(() => store.Save(2, d =>
        {
            File.WriteAllText(Path.Combine(d, "half.bin"), "x");
            throw new IOException("disk full");
        }));
        Assert.False(Directory.Exists(dir["step-2"]));
        Assert.False(Directory.Exists(dir["step-2.tmp"]));
        Assert.Equal("step-1", File.ReadAllText(dir["latest"]).Trim());
        Assert.Equal(1, CheckpointStore.FindLatestValid(dir.Path)!.Step);
    }

    [Fact]
    public void FindLatestValid_CrashBeforeRename_IgnoresTmpFolderAndOpenRemovesIt()
    {
        using var dir = new TempDir();
        var store = CheckpointStore.Open(dir.Path, keepLast: 3);
        SaveState(store, 1);
        Directory.CreateDirectory(dir["step-2.tmp"]);
        File.WriteAllText(Path.Combine(dir["step-2.tmp"], "state.txt"), "2");
        Assert.Equal(1, CheckpointStore.FindLatestValid(dir.Path)!.Step);
        CheckpointStore.Open(dir.Path, keepLast: 3);
        Assert.False(Directory.Exists(dir["step-2.tmp"]));
    }

    [Fact]
    public void FindLatestValid_CorruptNewest_FallsBackToOlder()
    {
        using var dir = new TempDir();
        var store = CheckpointStore.Open(dir.Path, keepLast: 3);
        SaveState(store, 1);
        SaveState(store, 2);
        var weights = Path.Combine(dir["step-2"], "model", "weights.bin");
        var bytes = File.ReadAllBytes(weights);
        bytes[100] ^= 1; // same size, different content
        File.WriteAllBytes(weights, bytes);

        var rejected = new List<string>();
        var found = CheckpointStore.FindLatestValid(dir.Path, rejected.Add);
        Assert.Equal(1, found!.Step);
        Assert.Contains(rejected, r => r.Contains("SHA-256 mismatch") && r.Contains("weights.bin"));
        Assert.Throws<InvalidDataException>(() => CheckpointStore.Load(dir["step-2"]));
    }

    [Theory]
    [InlineData("missing-file")]
    [InlineData("truncated-file")]
    [InlineData("no-manifest")]
    [InlineData("bad-manifest")]
    public void FindLatestValid_IncompleteNewest_FallsBackToOlder(string damage)
    {
        using var dir = new TempDir();
        var store = CheckpointStore.Open(dir.Path, keepLast: 3);
        SaveState(store, 1);
        SaveState(store, 2);
        var step2 = dir["step-2"];
        switch (damage)
        {
            case "missing-file": File.Delete(Path.Combine(step2, "state.txt")); break;
            case "truncated-file": File.WriteAllBytes(Path.Combine(step2, "model", "weights.bin"), new byte[10]); break;
            case "no-manifest": File.Delete(Path.Combine(step2, "manifest.json")); break;
            case "bad-manifest": File.WriteAllText(Path.Combine(step2, "manifest.json"), "{\"format\": 1, \"step\":"); break;
        }
        var rejected = new List<string>();
        Assert.Equal(1, CheckpointStore.FindLatestValid(dir.Path, rejected.Add)!.Step);
        Assert.Single(rejected);
        Assert.Contains("step-2", rejected[0]);
    }

    [Fact]
    public void FindLatestValid_LatestPointerLagsOrIsGarbage_UsesHighestValidStep()
    {
        using var dir = new TempDir();
        var store = CheckpointStore.Open(dir.Path, keepLast: 3);
        SaveState(store, 1);
        SaveState(store, 2);
        File.WriteAllText(dir["latest"], "step-1\n"); // crash between rename and pointer update
        Assert.Equal(2, CheckpointStore.FindLatestValid(dir.Path)!.Step);
        File.WriteAllText(dir["latest"], "garbage");
        Assert.Equal(2, CheckpointStore.FindLatestValid(dir.Path)!.Step);
    }

    [Fact]
    public void FindLatestValid_NothingValid_ReturnsNull()
    {
        using var dir = new TempDir();
        Assert.Null(CheckpointStore.FindLatestValid(dir.Path));
        Directory.CreateDirectory(dir["step-3"]);
        Assert.Null(CheckpointStore.FindLatestValid(dir.Path));
    }

    [Fact]
    public void Save_SameStepAgain_ReplacesIt()
    {
        using var dir = new TempDir();
        var store = CheckpointStore.Open(dir.Path, keepLast: 3);
        SaveState(store, 4);
        store.Save(4, d => File.WriteAllText(Path.Combine(d, "state.txt"), "again"));
        var found = CheckpointStore.FindLatestValid(dir.Path)!;
        Assert.Equal("again", File.ReadAllText(Path.Combine(found.Path, "state.txt")));
        Assert.Single(found.Manifest.Files);
    }

    [Fact]
    public void Save_CallbackWritesManifestName_IsRejected()
    {
        using var dir = new TempDir();
        var store = CheckpointStore.Open(dir.Path, keepLast: 1);
        Assert.Throws<InvalidOperationException>(() => store.Save(1, d => File.WriteAllText(Path.Combine(d, "manifest.json"), "{}")));
    }

    [Fact]
    public void Manifest_IsPlainJsonWithSnakeCaseKeys()
    {
        using var dir = new TempDir();
        var saved = SaveState(CheckpointStore.Open(dir.Path, 1), 7);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(saved.Path, "manifest.json")));
        Assert.Equal(1, doc.RootElement.GetProperty("format").GetInt32());
        Assert.Equal(7, doc.RootElement.GetProperty("step").GetInt64());
        Assert.Equal(64, doc.RootElement.GetProperty("files")[0].GetProperty("sha256").GetString()!.Length);
    }

    [Fact]
    public void Parse_ResumeValues()
    {
        Assert.IsType<ResumeRequest.Fresh>(ResumeRequest.Parse(null));
        Assert.IsType<ResumeRequest.Auto>(ResumeRequest.Parse("auto"));
        Assert.Equal("x/step-3", Assert.IsType<ResumeRequest.FromPath>(ResumeRequest.Parse("x/step-3")).CheckpointPath);
        Assert.Throws<ArgumentException>(() => ResumeRequest.Parse(""));
    }
}
