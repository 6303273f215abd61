using ReasonFlux.IO;
using ReasonFlux.Tests.Shared;

namespace ReasonFlux.Runs.Tests;

/// <summary>
/// Checkpoints and metrics on a real full disk (a small tmpfs mounted by the test): what does not fit is removed, the
/// last good checkpoint and the latest pointer stay as they were, and the error names the path and the bytes needed.
/// </summary>
public class DiskFullTests
{
    private static void WriteStep(string dir, long step, int bytes)
    {
        File.WriteAllText(Path.Combine(dir, "state.txt"), step.ToString());
        Directory.CreateDirectory(Path.Combine(dir, "model"));
        using var fs = new FileStream(Path.Combine(dir, "model", "weights.bin"), FileMode.CreateNew, FileAccess.Write);
        var block = new byte[64 * 1024];
        Array.Fill(block, (byte)step);
        for (int left = bytes; left > 0; left -= block.Length) fs.Write(block, 0, Math.Min(block.Length, left));
    }

    [SmallDiskFact]
    public void Save_DoesNotFit_KeepsLastGoodCheckpointAndLatest_NamesPathAndBytes()
    {
        using var disk = SmallDisk.Mount(1 << 20);
        var store = CheckpointStore.Open(disk.Path, keepLast: 1);
        store.Save(1, d => WriteStep(d, 1, 600 * 1024));
        var before = CheckpointManifest.Read(Path.Combine(disk["step-1"], CheckpointManifest.FileName));

        var e = Assert.Throws<DiskFullException>(() => store.Save(2, d => WriteStep(d, 2, 600 * 1024)));

        Assert.Equal(disk["step-2"], e.Path);
        Assert.Contains(disk["step-2"], e.Message);
        Assert.Contains("does not fit", e.Message);
        long stepOneBytes = before.Files.Sum(f => f.Bytes);
        Assert.Equal(stepOneBytes, e.BytesNeeded); // the previous checkpoint's size: same model, same state
        Assert.Contains($"{stepOneBytes} bytes", e.Message);
        Assert.Contains($"{disk["step-1"]} and the latest pointer are unchanged", e.Message);
        Assert.False(Directory.Exists(disk["step-2"]));
        Assert.False(Directory.Exists(disk["step-2.tmp"]));
        Assert.Equal("step-1", File.ReadAllText(disk["latest"]).Trim());
        Assert.Null(CheckpointStore.Verify(disk["step-1"], out _));
        Assert.Equal(1, CheckpointStore.FindLatestValid(disk.Path)!.Step);
        // The partial folder is gone, so the space is back: a smaller checkpoint fits again.
        Assert.Equal(3, store.Save(3, d => WriteStep(d, 3, 64 * 1024)).Step);
    }

    [SmallDiskFact]
    public void Save_FirstCheckpointDoesNotFit_SaysSoAndLeavesNothing()
    {
        using var disk = SmallDisk.Mount(256 * 1024);
        var store = CheckpointStore.Open(disk.Path, keepLast: 1);
        var e = Assert.Throws<DiskFullException>(() => store.Save(5, d => WriteStep(d, 5, 1 << 20)));
        Assert.Contains(disk["step-5"], e.Message);
        Assert.Contains("needs at least", e.Message);
        Assert.Contains("No earlier checkpoint", e.Message);
        Assert.True(e.BytesNeeded > 200 * 1024, $"{e.BytesNeeded}");
        Assert.Empty(Directory.GetFileSystemEntries(disk.Path));
    }

    [SmallDiskFact]
    public void MetricsLine_DoesNotFit_IsCutOffAndNamed_FileStaysReadable()
    {
        using var disk = SmallDisk.Mount(1 << 20);
        var big = Enumerable.Range(0, 400).ToDictionary(i => $"train/a_rather_long_metric_name_{i:D4}", i => (double)i);
        using (var metrics = MetricsLogger.Open(disk.Path, resumeStep: null, tensorBoard: false))
        {
            metrics.Log(1, big);
            metrics.Log(2, big);
            disk.FillLeaving(0);
            var e = Assert.Throws<DiskFullException>(() => metrics.Log(3, big));
            Assert.Equal(metrics.Path, e.Path);
            Assert.StartsWith($"{metrics.Path}: no space left on device: at least ", e.Message);
            disk.Unfill();
            metrics.Log(3, big); // the run can go on once there is room
        }
        var steps = JsonlReader.Read(Path.Combine(disk.Path, MetricsLogger.FileName)).Select(r => (long)r.Value["step"]!).ToList();
        Assert.Equal([1L, 2L, 3L], steps);
    }

    [SmallDiskFact]
    public void JsonlOutput_DoesNotFit_RemovesPartialFile_NamesOutput()
    {
        using var disk = SmallDisk.Mount(256 * 1024);
        var path = disk["out/problems.jsonl"];
        var e = Assert.Throws<DiskFullException>(() =>
        {
            using var writer = new JsonlWriter(path);
            for (int i = 0; i < 100_000; i++) writer.Write(new { id = i, text = new string('x', 200) });
            writer.Commit();
        });
        Assert.Equal(path, e.Path);
        Assert.Contains($"{path}: no space left on device: at least ", e.Message);
        Assert.False(File.Exists(path));
        Assert.False(File.Exists(path + ".tmp"));
    }
}
