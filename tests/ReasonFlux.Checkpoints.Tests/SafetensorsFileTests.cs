using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace ReasonFlux.Checkpoints.Tests;

public sealed class SafetensorsFileTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// Bytes from HF safetensors' own test suite (tensor.rs, test_serialization_forced_alignement):
    /// "attn0" F32 [1,1,2,3] = 0..5, header padded with 7 spaces.
    /// </summary>
    internal static readonly byte[] HfForcedAlignmentVector =
    [
        72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
        121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
        91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
        115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
        32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
        160, 64,
    ];

    [Fact]
    public void Open_HfReferenceVector_ParsesTensor()
    {
        string path = _dir.File("hf.safetensors");
        File.WriteAllBytes(path, HfForcedAlignmentVector);
        using var f = SafetensorsFile.Open(path);
        Assert.Equal(["attn0"], f.Names);
        var info = f.GetInfo("attn0");
        Assert.Equal(DType.F32, info.DType);
        Assert.Equal([1L, 1, 2, 3], info.Shape);
        Assert.Equal(80, info.FileOffset);
        Assert.Equal(24, info.ByteLength);
        Assert.False(f.HasMetadata);
        var floats = MemoryMarshal.Cast<byte, float>(f.GetBytes("attn0")).ToArray();
        Assert.Equal([0f, 1, 2, 3, 4, 5], floats);
    }

    [Fact]
    public void Open_PythonGolden_AllDtypesDecodeToExpectedValues()
    {
        using var f = SafetensorsFile.Open(TestFiles.Golden("mixed_dtypes.safetensors"));
        using var expected = JsonDocument.Parse(File.ReadAllBytes(TestFiles.Golden("mixed_dtypes.expected.json")));
        var tensors = expected.RootElement.GetProperty("tensors");
        Assert.Equal("pt", f.Metadata["format"]);
        Assert.Equal(tensors.EnumerateObject().Count(), f.Count);
        foreach (var t in tensors.EnumerateObject())
        {
            var info = f.GetInfo(t.Name);
            Assert.Equal(t.Value.GetProperty("dtype").GetString(), info.DType.ToSafetensorsName());
            Assert.Equal(t.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray(), info.Shape);
            var values = t.Value.GetProperty("values");
            var bytes = f.GetBytes(t.Name);
            Assert.Equal(values.GetArrayLength(), info.NumElements);
            int i = 0;
            foreach (var v in values.EnumerateArray())
            {
                int size = info.DType.ElementSize();
                var e = bytes.Slice(i * size, size);
                switch (info.DType)
                {
                    case DType.BF16:
                        Assert.Equal(BitConverter.DoubleToInt64Bits(v.GetDouble()), BitConverter.DoubleToInt64Bits(BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(e) << 16)));
                        break;
                    case DType.F16:
                        Assert.Equal(v.GetDouble(), (double)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(e)));
                        break;
                    case DType.F32:
                        Assert.Equal(v.GetDouble(), BinaryPrimitives.ReadSingleLittleEndian(e));
                        break;
                    case DType.F64:
                        Assert.Equal(v.GetDouble(), BinaryPrimitives.ReadDoubleLittleEndian(e));
                        break;
                    case DType.I64: Assert.Equal(v.GetInt64(), BinaryPrimitives.ReadInt64LittleEndian(e)); break;
                    case DType.I32: Assert.Equal(v.GetInt64(), BinaryPrimitives.ReadInt32LittleEndian(e)); break;
                    case DType.I16: Assert.Equal(v.GetInt64(), BinaryPrimitives.ReadInt16LittleEndian(e)); break;
                    case DType.I8: Assert.Equal(v.GetInt64(), (sbyte)e[0]); break;
                    case DType.U8:
                    case DType.Bool: Assert.Equal(v.GetInt64(), e[0]); break;
                }
                i++;
            }
        }
        // Names come in file (offset) order.
        var offsets = f.Names.Select(n => f.GetInfo(n).DataOffset).ToArray();
        Assert.Equal(offsets.Order().ToArray(), offsets);
        Assert.Equal(0, f.GetInfo("empty").ByteLength);
        Assert.Equal(0, f.GetInfo("scalar").Rank);
        Assert.Equal(1, f.GetInfo("scalar").NumElements);
    }

    [Fact]
    public unsafe void GetPointer_CopyTo_OpenRead_AllSeeTheSameBytes()
    {
        string path = _dir.File("t.safetensors");
        byte[] data = TestFiles.Pattern(40);
        File.WriteAllBytes(path, TestFiles.Craft(
            "{\"a\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"U8\",\"shape\":[3,8],\"data_offsets\":[16,40]}}  ", data));
        using var f = SafetensorsFile.Open(path);
        Assert.Equal(data[16..40], f.GetBytes("b").ToArray());
        byte* p = f.GetPointer("b");
        Assert.Equal(data[16..40], new ReadOnlySpan<byte>(p, 24).ToArray());
        var copy = new byte[24];
        f.CopyTo("b", copy);
        Assert.Equal(data[16..40], copy);
        nint native = (nint)NativeMemory.Alloc(16);
        try
        {
            f.CopyTo("a", native, 16);
            Assert.Equal(data[..16], new ReadOnlySpan<byte>((void*)native, 16).ToArray());
        }
        finally
        {
            NativeMemory.Free((void*)native);
        }
        using var s = f.OpenRead("a");
        var viaStream = new byte[16];
        s.ReadExactly(viaStream);
        Assert.Equal(data[..16], viaStream);
        Assert.Throws<ArgumentException>(() => f.CopyTo("a", new byte[15]));
    }

    [Fact]
    public void GetBytes_AfterDispose_ThrowsObjectDisposed()
    {
        string path = _dir.File("t.safetensors");
        File.WriteAllBytes(path, TestFiles.Craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]));
        var f = SafetensorsFile.Open(path);
        f.Dispose();
        f.Dispose();
        Assert.Throws<ObjectDisposedException>(() => f.GetBytes("a").Length);
        unsafe
        {
            Assert.Throws<ObjectDisposedException>(() => (nint)f.GetPointer("a"));
        }
    }

    [Fact]
    public void GetInfo_UnknownName_NamesFileAndTensor()
    {
        string path = _dir.File("t.safetensors");
        File.WriteAllBytes(path, TestFiles.Craft("{}      "));
        using var f = SafetensorsFile.Open(path);
        Assert.Equal(0, f.Count);
        var e = Assert.Throws<InvalidDataException>(() => f.GetInfo("lm_head.weight"));
        Assert.Contains(path, e.Message);
        Assert.Contains("'lm_head.weight'", e.Message);
        Assert.False(f.TryGetInfo("lm_head.weight", out _));
    }

    [Fact]
    public void Open_UnpaddedHeaderGapsAndTrailingBytes_Accepted()
    {
        // TorchSharp.PyBridge writes no padding; other writers align tensors, leaving gaps.
        string path = _dir.File("t.safetensors");
        byte[] data = TestFiles.Pattern(64);
        File.WriteAllBytes(path, TestFiles.Craft(
            "{\"b\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[32,38]},\"a\":{\"dtype\":\"I8\",\"shape\":[5],\"data_offsets\":[0,5]},\"z\":{\"dtype\":\"BOOL\",\"shape\":[0],\"data_offsets\":[5,5]}}\n\t ", data));
        using var f = SafetensorsFile.Open(path);
        Assert.Equal(["a", "z", "b"], f.Names);
        Assert.Equal(data[32..38], f.GetBytes("b").ToArray());
        Assert.Equal(0, f.GetBytes("z").Length);
    }

    [Fact]
    public void Open_MissingFile_FileNotFound()
    {
        var e = Assert.Throws<FileNotFoundException>(() => SafetensorsFile.Open(_dir.File("nope.safetensors")));
        Assert.Contains("nope.safetensors", e.Message);
    }

    [Fact]
    public void Open_MetadataNull_TreatedAsAbsent()
    {
        string path = _dir.File("t.safetensors");
        File.WriteAllBytes(path, TestFiles.Craft("{\"__metadata__\":null}"));
        using var f = SafetensorsFile.Open(path);
        Assert.False(f.HasMetadata);
        Assert.Empty(f.Metadata);
    }
}
