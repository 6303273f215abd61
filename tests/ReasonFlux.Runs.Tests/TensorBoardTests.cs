using System.Buffers.Binary;
using System.Text;

namespace ReasonFlux.Runs.Tests;

public class TensorBoardTests
{
    [Theory]
    [InlineData("123456789", 0xE3069283u)]
    [InlineData("", 0x00000000u)]
    [InlineData("a", 0xC1D04330u)]
    public void Compute_KnownVectors(string text, uint expected) =>
        Assert.Equal(expected, Crc32C.Compute(Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void Compute_Rfc3720Vectors()
    {
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
        Assert.Equal(0x62A8AB43u, Crc32C.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
    }

    [Fact]
    public void Mask_Unmask_RoundTrips()
    {
        foreach (var crc in new uint[] { 0, 1, 0xE3069283, uint.MaxValue })
            Assert.Equal(crc, Crc32C.Unmask(Crc32C.Mask(crc)));
        Assert.Equal(0xA282EAD8u, Crc32C.Mask(0)); // TensorFlow's kMaskDelta
    }

    [Fact]
    public void Writer_RecordsAndCrcsVerify_EventsDecode()
    {
        using var dir = new TempDir();
        var clock = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        string path;
        using (var w = TensorBoardWriter.Create(dir.Path, () => clock))
        {
            path = w.FilePath;
            w.AddScalars(1, [new("reward", 0.25), new("loss", 1.5)]);
            w.AddScalar("kl", 0.001, 2);
            w.AddSessionStart(3);
        }
        Assert.Matches(@"^events\.out\.tfevents\.1700000000\.[A-Za-z0-9_-]+$", Path.GetFileName(path));

        var events = EventFileReader.Read(path);
        Assert.Equal(4, events.Count);
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        Assert.Equal(1_700_000_000.0, events[0].WallTime);
        Assert.Equal(1, events[1].Step);
        Assert.Equal([("reward", 0.25f), ("loss", 1.5f)], events[1].Scalars);
        Assert.Equal(2, events[2].Step);
        Assert.Equal([("kl", 0.001f)], events[2].Scalars);
        Assert.Equal((3L, 1L), (events[3].Step, events[3].SessionStatus!.Value));
    }

    [Fact]
    public void Reader_CorruptByte_FailsCrc()
    {
        using var dir = new TempDir();
        string path;
        using (var w = TensorBoardWriter.Create(dir.Path)) { path = w.FilePath; w.AddScalar("reward", 1, 1); }
        var bytes = File.ReadAllBytes(path);
        bytes[^6] ^= 0x40; // inside the last record's data
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => EventFileReader.Read(path));
        Assert.Contains("data CRC", e.Message);
    }

    [Fact]
    public void Create_SameSecondTwice_MakesDistinctFiles()
    {
        using var dir = new TempDir();
        var clock = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        using var a = TensorBoardWriter.Create(dir.Path, () => clock);
        using var b = TensorBoardWriter.Create(dir.Path, () => clock);
        Assert.NotEqual(a.FilePath, b.FilePath);
        Assert.Contains("tfevents", Path.GetFileName(b.FilePath));
    }
}

/// <summary>
/// An independent TFRecord + Event protobuf reader for the tests: checks both masked CRC-32Cs of every
/// record and decodes the fields TensorBoard uses.
/// </summary>
internal static class EventFileReader
{
    public sealed record Event(double WallTime, long Step, string? FileVersion, List<(string Tag, float Value)> Scalars, long? SessionStatus);

    public static List<Event> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var events = new List<Event>();
        int pos = 0;
        while (pos < bytes.Length)
        {
            if (bytes.Length - pos < 12) throw new InvalidDataException($"{path}@{pos}: truncated header");
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(pos));
            uint lengthCrc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 8));
            if (Crc32C.Unmask(lengthCrc) != Crc32C.Compute(bytes.AsSpan(pos, 8))) throw new InvalidDataException($"{path}@{pos}: length CRC mismatch");
            pos += 12;
            var data = bytes.AsSpan(pos, (int)length);
            uint dataCrc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + (int)length));
            if (Crc32C.Unmask(dataCrc) != Crc32C.Compute(data)) throw new InvalidDataException($"{path}@{pos}: data CRC mismatch");
            events.Add(DecodeEvent(data.ToArray()));
            pos += (int)length + 4;
        }
        return events;
    }

    private static Event DecodeEvent(byte[] data)
    {
        double wall = 0;
        long step = 0;
        string? version = null;
        long? status = null;
        var scalars = new List<(string, float)>();
        foreach (var (field, wire, value, bytes) in Fields(data))
        {
            switch (field)
            {
                case 1: wall = BitConverter.Int64BitsToDouble((long)value); break;
                case 2: step = (long)value; break;
                case 3: version = Encoding.UTF8.GetString(bytes!); break;
                case 5:
                    foreach (var (f, _, _, v) in Fields(bytes!))
                    {
                        if (f != 1) continue;
                        string tag = "";
                        float simple = float.NaN;
                        foreach (var (vf, _, vv, vb) in Fields(v!))
                        {
                            if (vf == 1) tag = Encoding.UTF8.GetString(vb!);
                            if (vf == 2) simple = BitConverter.Int32BitsToSingle((int)vv);
                        }
                        scalars.Add((tag, simple));
                    }
                    break;
                case 7:
                    foreach (var (f, _, v, _) in Fields(bytes!)) if (f == 1) status = (long)v;
                    break;
            }
            _ = wire;
        }
        return new Event(wall, step, version, scalars, status);
    }

    private static IEnumerable<(int Field, int Wire, ulong Value, byte[]? Bytes)> Fields(byte[] data)
    {
        int pos = 0;
        while (pos < data.Length)
        {
            ulong key = Varint(data, ref pos);
            int field = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0: yield return (field, wire, Varint(data, ref pos), null); break;
                case 1: yield return (field, wire, BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(pos)), null); pos += 8; break;
                case 5: yield return (field, wire, BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(pos)), null); pos += 4; break;
                case 2:
                    int len = (int)Varint(data, ref pos);
                    yield return (field, wire, 0, data.AsSpan(pos, len).ToArray());
                    pos += len;
                    break;
                default: throw new InvalidDataException($"unexpected wire type {wire}");
            }
        }
    }

    private static ulong Varint(byte[] data, ref int pos)
    {
        ulong result = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = data[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
    }
}
