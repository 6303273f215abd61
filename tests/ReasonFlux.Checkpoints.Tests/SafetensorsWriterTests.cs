using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace ReasonFlux.Checkpoints.Tests;

public sealed class SafetensorsWriterTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly SafetensorsWriteOptions NoMetadata = new() { Metadata = null };

    [Fact]
    public void WriteFile_HfReferenceTensor_ByteIdenticalToHfTestVector()
    {
        byte[] data = MemoryMarshal.AsBytes<float>([0f, 1, 2, 3, 4, 5]).ToArray();
        string path = _dir.File("attn.safetensors");
        SafetensorsWriter.WriteFile(path, [TensorWriteSource.FromBytes("attn0", DType.F32, [1, 1, 2, 3], data)], NoMetadata);
        Assert.Equal(SafetensorsFileTests.HfForcedAlignmentVector, File.ReadAllBytes(path));
    }

    [Fact]
    public void WriteFile_NoTensors_MatchesHfEmptyVectors()
    {
        // HF tensor.rs test_empty: no metadata, then metadata {"framework":"pt"}.
        string a = _dir.File("a.safetensors"), b = _dir.File("b.safetensors");
        SafetensorsWriter.WriteFile(a, [], NoMetadata);
        Assert.Equal(new byte[] { 8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32 }, File.ReadAllBytes(a));
        SafetensorsWriter.WriteFile(b, [], new SafetensorsWriteOptions { Metadata = new Dictionary<string, string> { ["framework"] = "pt" } });
        byte[] expected =
        [
            40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
            95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
            116, 34, 125, 125, 32, 32, 32, 32, 32,
        ];
        Assert.Equal(expected, File.ReadAllBytes(b));
    }

    [Fact]
    public void WriteFile_PythonGoldenTensors_ByteIdenticalFile()
    {
        string golden = TestFiles.Golden("mixed_dtypes.safetensors");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(TestFiles.Golden("mixed_dtypes.expected.json")));
        using var source = SafetensorsFile.Open(golden);
        // Hand the writer the tensors in Python's (unsorted) insertion order, as managed byte copies.
        var sources = doc.RootElement.GetProperty("insertion_order").EnumerateArray()
            .Select(n => n.GetString()!)
            .Select(n => TensorWriteSource.FromBytes(n, source.GetInfo(n).DType, source.GetInfo(n).Shape, source.GetBytes(n).ToArray()))
            .ToList();
        string path = _dir.File("ours.safetensors");
        SafetensorsWriter.WriteFile(path, sources);
        Assert.Equal(File.ReadAllBytes(golden), File.ReadAllBytes(path));
    }

    [Fact]
    public void WriteFile_Defaults_HeaderHasPtFormatAndIsPaddedTo8()
    {
        string path = _dir.File("m.safetensors");
        SafetensorsWriter.WriteFile(path, [TensorWriteSource.FromBytes("w", DType.BF16, [3], new byte[6])]);
        using var f = SafetensorsFile.Open(path);
        Assert.Equal("pt", f.Metadata["format"]);
        Assert.Equal(0, f.HeaderLength % 8);
        string header = Encoding.UTF8.GetString(File.ReadAllBytes(path), 8, (int)f.HeaderLength);
        Assert.StartsWith("{\"__metadata__\":{\"format\":\"pt\"},\"w\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,6]}}", header);
        Assert.Equal(header.TrimEnd(' ').Length + (8 - header.TrimEnd(' ').Length % 8) % 8, header.Length);
    }

    [Fact]
    public void BuildHeader_OrdersByDtypeAlignmentThenCodePoint()
    {
        var (_, order) = SafetensorsWriter.BuildHeader(
        [
            TensorWriteSource.FromBytes("b", DType.Bool, [1], new byte[1]),
            TensorWriteSource.FromBytes("z", DType.I64, [1], new byte[8]),
            TensorWriteSource.FromBytes("u.\uE000", DType.F32, [1], new byte[4]),
            TensorWriteSource.FromBytes("u.\U0001F600", DType.F32, [1], new byte[4]),
            TensorWriteSource.FromBytes("a", DType.F32, [1], new byte[4]),
            TensorWriteSource.FromBytes("h", DType.F16, [1], new byte[2]),
            TensorWriteSource.FromBytes("g", DType.BF16, [1], new byte[2]),
        ], null);
        Assert.Equal(["z", "a", "u.\uE000", "u.\U0001F600", "g", "h", "b"], order.Select(t => t.Name));
    }

    [Fact]
    public void BuildHeader_EscapesLikeSerdeJson()
    {
        var (header, _) = SafetensorsWriter.BuildHeader([TensorWriteSource.FromBytes("q\"b\\s\t\u0001\u007fü/", DType.U8, [0], Array.Empty<byte>())], null);
        Assert.StartsWith("{\"q\\\"b\\\\s\\t\\u0001\u007fü/\":", Encoding.UTF8.GetString(header));
    }

    [Fact]
    public void WriteFile_RandomTensorsEveryDtype_RoundTripBitExact()
    {
        var rng = new Random(3);
        var expected = new Dictionary<string, (DType, long[], byte[])>();
        var sources = new List<TensorWriteSource>();
        int i = 0;
        foreach (var dtype in DTypeExtensions.All)
        {
            foreach (long[] shape in new[] { new long[] { 7, 5 }, new long[] { 3 }, Array.Empty<long>(), new long[] { 2, 0, 4 } })
            {
                long numel = shape.Aggregate(1L, (a, b) => a * b);
                var bytes = new byte[numel * dtype.ElementSize()];
                rng.NextBytes(bytes); // arbitrary bit patterns: NaN payloads, subnormals, -0 for the float types
                string name = $"t{i++}.{dtype}";
                expected[name] = (dtype, shape, bytes);
                sources.Add(TensorWriteSource.FromBytes(name, dtype, shape, bytes));
            }
        }
        string path = _dir.File("rt.safetensors");
        SafetensorsWriter.WriteFile(path, sources);
        using var f = SafetensorsFile.Open(path);
        Assert.Equal(expected.Count, f.Count);
        foreach (var (name, (dtype, shape, bytes)) in expected)
        {
            var info = f.GetInfo(name);
            Assert.Equal(dtype, info.DType);
            Assert.Equal(shape, info.Shape);
            Assert.True(f.GetBytes(name).SequenceEqual(bytes), name);
        }
    }

    [Fact]
    public unsafe void WriteFile_PointerAndCallbackSources_RoundTrip()
    {
        byte[] a = TestFiles.Pattern(4096, 1), b = TestFiles.Pattern(1000, 2);
        nint native = (nint)NativeMemory.Alloc((nuint)a.Length);
        try
        {
            a.CopyTo(new Span<byte>((void*)native, a.Length));
            string path = _dir.File("s.safetensors");
            SafetensorsWriter.WriteFile(path,
            [
                TensorWriteSource.FromPointer("native", DType.F32, [32, 32], native),
                TensorWriteSource.FromCallback("callback", DType.BF16, [500], stream =>
                {
                    // Odd chunk sizes, as a device-to-host copy through a staging buffer would produce.
                    for (int off = 0; off < b.Length; off += 333) stream.Write(b, off, Math.Min(333, b.Length - off));
                }),
            ]);
            using var f = SafetensorsFile.Open(path);
            Assert.True(f.GetBytes("native").SequenceEqual(a));
            Assert.True(f.GetBytes("callback").SequenceEqual(b));
        }
        finally
        {
            NativeMemory.Free((void*)native);
        }
    }

    [Theory]
    [InlineData(7)]
    [InlineData(9)]
    public void WriteFile_CallbackWritesWrongByteCount_FailsAndLeavesNoFile(int written)
    {
        string path = _dir.File("bad.safetensors");
        var e = Assert.Throws<InvalidOperationException>(() => SafetensorsWriter.WriteFile(path,
            [TensorWriteSource.FromCallback("w", DType.U8, [8], s => s.Write(new byte[written]))]));
        Assert.Contains("'w'", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Fact]
    public void WriteFile_FailureMidway_KeepsPreviousFileIntact()
    {
        string path = _dir.File("m.safetensors");
        SafetensorsWriter.WriteFile(path, [TensorWriteSource.FromBytes("old", DType.U8, [2], new byte[] { 1, 2 })]);
        byte[] before = File.ReadAllBytes(path);
        Assert.Throws<IOException>(() => SafetensorsWriter.WriteFile(path,
            [TensorWriteSource.FromCallback("new", DType.U8, [2], _ => throw new IOException("device lost"))]));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Fact]
    public void WriteFile_OverFileStillMappedByReader_ReaderKeepsOldBytes()
    {
        string path = _dir.File("m.safetensors");
        SafetensorsWriter.WriteFile(path, [TensorWriteSource.FromBytes("w", DType.U8, [2], new byte[] { 1, 2 })]);
        using var old = SafetensorsFile.Open(path);
        SafetensorsWriter.WriteFile(path, [TensorWriteSource.FromBytes("w", DType.U8, [2], new byte[] { 3, 4 })]);
        using var updated = SafetensorsFile.Open(path);
        Assert.Equal(new byte[] { 1, 2 }, old.GetBytes("w").ToArray());
        Assert.Equal(new byte[] { 3, 4 }, updated.GetBytes("w").ToArray());
    }

    [Fact]
    public void WriteFile_TiedAlias_WrittenOnce()
    {
        byte[] emb = TestFiles.Pattern(24);
        string path = _dir.File("tied.safetensors");
        SafetensorsWriter.WriteFile(path,
        [
            TensorWriteSource.FromBytes("model.embed_tokens.weight", DType.BF16, [4, 3], emb),
            TensorWriteSource.FromBytes("lm_head.weight", DType.BF16, [4, 3], emb),
        ], new SafetensorsWriteOptions { TiedWeights = new Dictionary<string, string> { ["lm_head.weight"] = "model.embed_tokens.weight" } });
        using var f = SafetensorsFile.Open(path);
        Assert.Equal(["model.embed_tokens.weight"], f.Names);
    }

    [Fact]
    public void WriteFile_TiedAliasShapeMismatch_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => SafetensorsWriter.WriteFile(_dir.File("x.safetensors"),
        [
            TensorWriteSource.FromBytes("emb", DType.BF16, [4, 3], new byte[24]),
            TensorWriteSource.FromBytes("head", DType.BF16, [3, 4], new byte[24]),
        ], new SafetensorsWriteOptions { TiedWeights = new Dictionary<string, string> { ["head"] = "emb" } }));
        Assert.Contains("'head'", e.Message);
    }

    [Fact]
    public void WriteFile_TiedTargetMissing_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => SafetensorsWriter.WriteFile(_dir.File("x.safetensors"),
            [TensorWriteSource.FromBytes("head", DType.BF16, [1], new byte[2])],
            new SafetensorsWriteOptions { TiedWeights = new Dictionary<string, string> { ["head"] = "emb" } }));
        Assert.Contains("'emb'", e.Message);
    }

    [Fact]
    public void WriteFile_DuplicateNames_Throws() =>
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.WriteFile(_dir.File("x.safetensors"),
        [
            TensorWriteSource.FromBytes("w", DType.U8, [1], new byte[1]),
            TensorWriteSource.FromBytes("w", DType.U8, [1], new byte[1]),
        ]));

    [Fact]
    public void TensorWriteSource_InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentException>(() => TensorWriteSource.FromBytes("w", DType.F32, [2], new byte[7]));
        Assert.Throws<ArgumentException>(() => TensorWriteSource.FromBytes("w", DType.F32, [-1], new byte[0]));
        Assert.Throws<ArgumentException>(() => TensorWriteSource.FromBytes("__metadata__", DType.U8, [0], new byte[0]));
        Assert.Throws<ArgumentException>(() => TensorWriteSource.FromPointer("w", DType.F64, [long.MaxValue / 4], 1));
        Assert.Throws<ArgumentException>(() => TensorWriteSource.FromBytes("bad\ud800", DType.U8, [0], new byte[0]));
        Assert.Throws<ArgumentNullException>(() => TensorWriteSource.FromPointer("w", DType.U8, [1], 0));
    }

    [Fact]
    public void FromView_CopiesTensorFromOpenFile()
    {
        string src = _dir.File("src.safetensors"), dst = _dir.File("dst.safetensors");
        byte[] data = TestFiles.Pattern(12);
        SafetensorsWriter.WriteFile(src, [TensorWriteSource.FromBytes("w", DType.I32, [3], data)]);
        using (var s = SafetensorsFile.Open(src))
            SafetensorsWriter.WriteFile(dst, [TensorWriteSource.FromView(s, "w", "renamed")]);
        using var d = SafetensorsFile.Open(dst);
        Assert.Equal(data, d.GetBytes("renamed").ToArray());
    }
}
