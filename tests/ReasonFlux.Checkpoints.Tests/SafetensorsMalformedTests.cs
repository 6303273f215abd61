using System.Text;

namespace ReasonFlux.Checkpoints.Tests;

/// <summary>Hostile and broken files: every one must fail with InvalidDataException naming the file (and tensor).</summary>
public sealed class SafetensorsMalformedTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private InvalidDataException OpenFails(byte[] bytes, params string[] mustMention)
    {
        string path = _dir.File($"bad-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Contains(path, e.Message);
        foreach (var s in mustMention) Assert.Contains(s, e.Message);
        return e;
    }

    private const string F32x4 = "{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}";

    [Fact]
    public void Open_EmptyFile_Truncated() => OpenFails([], "too short");

    [Fact]
    public void Open_FiveByteFile_Truncated() => OpenFails([1, 0, 0, 0, 0], "too short");

    [Fact]
    public void Open_HeaderLengthPastEndOfFile_Rejected() =>
        OpenFails(TestFiles.Craft("{\"t\":" + F32x4 + "}", new byte[16], lengthPrefix: 1000), "1000", "past the end");

    [Fact]
    public void Open_HeaderLengthMaxUInt64_Rejected() =>
        OpenFails(TestFiles.Craft("{}", null, lengthPrefix: ulong.MaxValue), "exceeds");

    [Fact]
    public void Open_HeaderLengthOverLimit_Rejected() =>
        OpenFails(TestFiles.Craft("{}", null, lengthPrefix: 200_000_000), "exceeds");

    [Fact]
    public void Open_HeaderLengthCutsJsonShort_Rejected() =>
        OpenFails(TestFiles.Craft("{\"t\":" + F32x4 + "}", new byte[16], lengthPrefix: 20), "not valid JSON");

    [Fact]
    public void Open_DataSectionTruncated_NamesTensor() =>
        OpenFails(TestFiles.Craft("{\"weight\":" + F32x4 + "}", new byte[10]), "'weight'", "run past");

    [Fact]
    public void Open_OverlappingOffsets_NamesBothTensors() =>
        OpenFails(TestFiles.Craft(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}",
            new byte[24]), "'a'", "'b'", "overlap");

    [Fact]
    public void Open_IdenticalOffsets_Overlap() =>
        OpenFails(TestFiles.Craft(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"I32\",\"shape\":[4],\"data_offsets\":[0,16]}}",
            new byte[16]), "overlap");

    [Fact]
    public void Open_NegativeShape_NamesTensor() =>
        OpenFails(TestFiles.Craft("{\"neg\":{\"dtype\":\"F32\",\"shape\":[-1,4],\"data_offsets\":[0,16]}}", new byte[16]), "'neg'", "negative");

    [Fact]
    public void Open_ShapeProductOverflows_NamesTensor() =>
        OpenFails(TestFiles.Craft("{\"huge\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,16]}}", new byte[16]), "'huge'", "overflow");

    [Fact]
    public void Open_ByteCountOverflowsOnlyAfterElementSize_NamesTensor() =>
        OpenFails(TestFiles.Craft("{\"huge\":{\"dtype\":\"F64\",\"shape\":[4611686018427387904],\"data_offsets\":[0,16]}}", new byte[16]), "'huge'", "overflow");

    [Fact]
    public void Open_ShapeLargerThanInt64_NamesTensor() =>
        OpenFails(TestFiles.Craft("{\"big\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999999],\"data_offsets\":[0,16]}}", new byte[16]), "'big'", "integers");

    [Fact]
    public void Open_HugeShapeWithSmallOffsets_SizeMismatch() =>
        OpenFails(TestFiles.Craft("{\"w\":{\"dtype\":\"F32\",\"shape\":[1099511627776],\"data_offsets\":[0,16]}}", new byte[16]), "'w'", "needs 4398046511104");

    [Fact]
    public void Open_SizeMismatch_NamesTensor() =>
        OpenFails(TestFiles.Craft("{\"w\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[16]), "'w'", "span 16 bytes", "needs 8");

    [Fact]
    public void Open_FractionalShape_Rejected() =>
        OpenFails(TestFiles.Craft("{\"w\":{\"dtype\":\"F32\",\"shape\":[4.0],\"data_offsets\":[0,16]}}", new byte[16]), "'w'", "integers");

    [Fact]
    public void Open_StringShape_Rejected() =>
        OpenFails(TestFiles.Craft("{\"w\":{\"dtype\":\"F32\",\"shape\":\"4\",\"data_offsets\":[0,16]}}", new byte[16]), "'w'", "array");

    [Theory]
    [InlineData("[0,16,32]")]
    [InlineData("[0]")]
    [InlineData("[0.5,16]")]
    [InlineData("[-16,0]")]
    [InlineData("{\"begin\":0}")]
    public void Open_BadDataOffsets_NamesTensor(string offsets) =>
        OpenFails(TestFiles.Craft("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":" + offsets + "}}", new byte[32]), "'w'", "data_offsets");

    [Fact]
    public void Open_EndBeforeBegin_NamesTensor() =>
        OpenFails(TestFiles.Craft("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[16,0]}}", new byte[16]), "'w'", "end before");

    [Theory]
    [InlineData("[1,2,3]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    [InlineData("null")]
    [InlineData("true")]
    public void Open_HeaderNotAnObject_Rejected(string json) => OpenFails(TestFiles.Craft(json), "not a JSON object");

    [Fact]
    public void Open_TensorEntryNotAnObject_NamesTensor() =>
        OpenFails(TestFiles.Craft("{\"w\":[1,2]}"), "'w'", "must be an object");

    [Fact]
    public void Open_InvalidJson_Rejected() => OpenFails(TestFiles.Craft("{\"w\":{\"dtype\":"), "JSON");

    [Fact]
    public void Open_TrailingGarbageAfterObject_Rejected() => OpenFails(TestFiles.Craft("{}  x"), "JSON");

    [Fact]
    public void Open_SecondJsonObject_Rejected() => OpenFails(TestFiles.Craft("{}{}"), "JSON");

    [Fact]
    public void Open_Comments_Rejected() => OpenFails(TestFiles.Craft("{/* c */}"), "JSON");

    [Fact]
    public void Open_DuplicateTensorKey_NamesTensor() =>
        OpenFails(TestFiles.Craft("{\"dup\":" + F32x4 + ",\"dup\":" + F32x4 + "}", new byte[16]), "'dup'", "duplicate");

    [Fact]
    public void Open_DuplicateFieldInEntry_NamesTensor() =>
        OpenFails(TestFiles.Craft("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[16]), "'w'", "duplicate \"dtype\"");

    [Fact]
    public void Open_DuplicateMetadata_Rejected() =>
        OpenFails(TestFiles.Craft("{\"__metadata__\":{},\"__metadata__\":{}}"), "duplicate \"__metadata__\"");

    [Fact]
    public void Open_DuplicateMetadataKey_Rejected() =>
        OpenFails(TestFiles.Craft("{\"__metadata__\":{\"format\":\"pt\",\"format\":\"tf\"}}"), "'format'", "duplicate");

    [Fact]
    public void Open_MetadataValueNotString_Rejected() =>
        OpenFails(TestFiles.Craft("{\"__metadata__\":{\"step\":5}}"), "'step'", "must be a string");

    [Fact]
    public void Open_MetadataNotObject_Rejected() =>
        OpenFails(TestFiles.Craft("{\"__metadata__\":[\"pt\"]}"), "__metadata__");

    [Theory]
    [InlineData("F8_E4M3")]
    [InlineData("F8_E5M2")]
    [InlineData("U16")]
    [InlineData("U64")]
    [InlineData("C64")]
    [InlineData("f32")]
    [InlineData("FOO")]
    public void Open_UnsupportedDtype_NamesTensorAndDtype(string dtype) =>
        OpenFails(TestFiles.Craft("{\"model.w\":{\"dtype\":\"" + dtype + "\",\"shape\":[4],\"data_offsets\":[0,4]}}", new byte[4]),
            "'model.w'", "unsupported dtype", $"'{dtype}'");

    [Theory]
    [InlineData("{\"shape\":[4],\"data_offsets\":[0,16]}", "missing \"dtype\"")]
    [InlineData("{\"dtype\":\"F32\",\"data_offsets\":[0,16]}", "missing \"shape\"")]
    [InlineData("{\"dtype\":\"F32\",\"shape\":[4]}", "missing \"data_offsets\"")]
    [InlineData("{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16],\"strides\":[1]}", "unexpected field 'strides'")]
    [InlineData("{\"dtype\":4,\"shape\":[4],\"data_offsets\":[0,16]}", "\"dtype\" must be a string")]
    public void Open_BadEntryFields_NamesTensor(string entry, string problem) =>
        OpenFails(TestFiles.Craft("{\"w\":" + entry + "}", new byte[16]), "'w'", problem);

    [Fact]
    public void Open_InvalidUtf8Header_Rejected() =>
        OpenFails(TestFiles.CraftRaw([(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}']), "UTF-8");

    [Fact]
    public void Open_LoneSurrogateEscapeInName_Rejected() =>
        OpenFails(TestFiles.Craft("{\"\\ud800\":" + F32x4 + "}", new byte[16]), "invalid string");

    [Fact]
    public void Open_DeeplyNestedJson_RejectedWithoutCrash()
    {
        var sb = new StringBuilder("{\"w\":");
        sb.Append('[', 100_000).Append(']', 100_000).Append('}');
        OpenFails(TestFiles.Craft(sb.ToString()));
    }

    [Fact]
    public void Open_HeaderTooSmallForJson_Rejected() => OpenFails(TestFiles.Craft("{", new byte[8]), "too small");

    [Fact]
    public void Open_HostileHugeName_MessageIsBounded()
    {
        string name = new('x', 1_000_000);
        var e = OpenFails(TestFiles.Craft("{\"" + name + "\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1]), "unsupported dtype");
        Assert.True(e.Message.Length < 2000, $"message is {e.Message.Length} chars");
    }

    [Fact]
    public void Open_RandomGarbage_NeverCrashes()
    {
        var rng = new Random(7);
        string valid = "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[16,22]}}";
        byte[] good = TestFiles.Craft(valid, new byte[22]);
        for (int i = 0; i < 300; i++)
        {
            byte[] bad = (byte[])good.Clone();
            int flips = rng.Next(1, 4);
            for (int f = 0; f < flips; f++) bad[rng.Next(bad.Length)] = (byte)rng.Next(256);
            if (rng.Next(4) == 0) Array.Resize(ref bad, rng.Next(bad.Length));
            string path = _dir.File($"fuzz-{i}.safetensors");
            File.WriteAllBytes(path, bad);
            try
            {
                using var f = SafetensorsFile.Open(path);
                foreach (var n in f.Names)
                {
                    var info = f.GetInfo(n);
                    Assert.True(info.FileOffset + info.ByteLength <= f.FileLength);
                    _ = f.GetBytes(n).ToArray();
                }
            }
            catch (InvalidDataException e)
            {
                Assert.Contains(path, e.Message);
            }
        }
    }
}
