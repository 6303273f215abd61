using ReasonFlux.IO;
using ReasonFlux.Tests.Shared;

namespace ReasonFlux.Checkpoints.Tests;

/// <summary>Safetensors files on a real full disk (a small tmpfs mounted by the test).</summary>
public class SafetensorsDiskFullTests
{
    [SmallDiskFact]
    public void WriteFile_DoesNotFit_FailsBeforeWritingTheTensors_NamesPathAndBytes_LeavesNoTemporary()
    {
        using var disk = SmallDisk.Mount(256 * 1024);
        var path = disk["model.safetensors"];
        bool tensorWritten = false;
        var big = TensorWriteSource.FromCallback("w", DType.F32, [1024, 1024], s =>
        {
            tensorWritten = true;
            s.Write(new byte[4 * 1024 * 1024]);
        });

        var e = Assert.Throws<DiskFullException>(() => SafetensorsWriter.WriteFile(path, [big]));

        Assert.Equal(path, e.Path);
        long fileBytes = 8 + SafetensorsWriter.BuildHeader([big], SafetensorsWriteOptions.Default.Metadata).Header.Length + 4 * 1024 * 1024;
        Assert.Equal(fileBytes, e.BytesNeeded);
        Assert.StartsWith($"{path}: no space left on device: {fileBytes} bytes (4 MiB) needed, ", e.Message);
        Assert.False(tensorWritten, "the file was reserved up front, so no tensor byte should have been written");
        Assert.Empty(Directory.GetFileSystemEntries(disk.Path));
    }

    [SmallDiskFact]
    public void WriteCheckpoint_SecondShardDoesNotFit_KeepsThePreviousSave()
    {
        using var disk = SmallDisk.Mount(512 * 1024);
        var small = TensorWriteSource.FromBytes("a", DType.F32, [1024], new byte[4096]);
        SafetensorsWriter.WriteCheckpoint(disk.Path, [small]);
        var before = File.ReadAllBytes(disk["model.safetensors"]);
        var shards = new[]
        {
            TensorWriteSource.FromBytes("a", DType.F32, [1024], new byte[4096]),
            TensorWriteSource.FromBytes("b", DType.F32, [256 * 1024], new byte[1 << 20]),
        };
        var e = Assert.Throws<DiskFullException>(() => SafetensorsWriter.WriteCheckpoint(disk.Path, shards, new SafetensorsWriteOptions { MaxShardSize = 8192 }));
        Assert.Matches(@"/model-0000[12]-of-00002\.safetensors$", e.Path);
        Assert.Equal(["model.safetensors"], Directory.GetFileSystemEntries(disk.Path).Select(Path.GetFileName));
        Assert.Equal(before, File.ReadAllBytes(disk["model.safetensors"]));
    }
}
