using ReasonFlux.IO;

namespace ReasonFlux.PrmData.Tests;

/// <summary>JSONL comes from strangers: over-long lines and invalid UTF-8 are errors naming file:line.</summary>
public sealed class JsonlReaderTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "rf-jsonl-" + Guid.NewGuid().ToString("N") + ".jsonl");

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void Read_ValidLines_SkipsBlanksBomAndCarriageReturns()
    {
        File.WriteAllBytes(_path, [.. "\uFEFF{\"a\": \"é\"}\r\n\n   \n{\"a\": \"x\"}"u8]);
        var records = JsonlReader.ReadAll(_path);
        Assert.Equal(["é", "x"], records.Select(r => r.GetString("a")));
        Assert.Equal([1, 4], records.Select(r => r.LineNumber));
    }

    [Fact]
    public void Read_DuplicateKey_FailsNamingFileAndLine()
    {
        // Found by tests/fuzz (jsonl): JsonObject used to throw a bare ArgumentException at the first lookup.
        File.WriteAllText(_path, "{\"completion\": \"a\"}\n{\"completion\": \"a\", \"completion\": \"b\"}\n");
        var e = Assert.Throws<InvalidDataException>(() => JsonlReader.ReadAll(_path).ForEach(r => r.Has("completion")));
        Assert.StartsWith($"{_path}:2: invalid JSON", e.Message);
        Assert.Contains("completion", e.Message);
    }

    [Fact]
    public void Read_InvalidUtf8_FailsNamingFileAndLine()
    {
        File.WriteAllBytes(_path, [.. "{\"a\": \"ok\"}\n{\"a\": \"b"u8, 0xFF, 0xFE, .. "\"}\n"u8]);
        var e = Assert.Throws<InvalidDataException>(() => JsonlReader.ReadAll(_path));
        Assert.Equal($"{_path}:2: not valid UTF-8 (first bad byte at column 9)", e.Message);
    }

    [Fact]
    public void Read_LineOverTheCap_FailsBeforeBufferingIt()
    {
        using (var w = File.Create(_path))
        {
            w.Write("{\"a\": 1}\n{\"a\": \""u8);
            var block = new byte[1 << 20];
            Array.Fill(block, (byte)'x');
            for (int i = 0; i < JsonlReader.MaxLineBytes / block.Length + 1; i++) w.Write(block);
            w.Write("\"}\n"u8);
        }
        long before = GC.GetTotalAllocatedBytes();
        var e = Assert.Throws<InvalidDataException>(() => JsonlReader.ReadAll(_path));
        Assert.StartsWith($"{_path}:2: line is longer than {JsonlReader.MaxLineBytes} bytes", e.Message);
        Assert.True(GC.GetTotalAllocatedBytes() - before < 4L * JsonlReader.MaxLineBytes, "the line must not be held several times over");
    }
}
