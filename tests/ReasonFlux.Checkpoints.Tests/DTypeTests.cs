namespace ReasonFlux.Checkpoints.Tests;

public sealed class DTypeTests
{
    [Theory]
    [InlineData(DType.F64, 8, "F64", TorchScalarType.Float64, 7, "float64")]
    [InlineData(DType.F32, 4, "F32", TorchScalarType.Float32, 6, "float32")]
    [InlineData(DType.F16, 2, "F16", TorchScalarType.Float16, 5, "float16")]
    [InlineData(DType.BF16, 2, "BF16", TorchScalarType.BFloat16, 15, "bfloat16")]
    [InlineData(DType.I64, 8, "I64", TorchScalarType.Int64, 4, "int64")]
    [InlineData(DType.I32, 4, "I32", TorchScalarType.Int32, 3, "int32")]
    [InlineData(DType.I16, 2, "I16", TorchScalarType.Int16, 2, "int16")]
    [InlineData(DType.I8, 1, "I8", TorchScalarType.Int8, 1, "int8")]
    [InlineData(DType.U8, 1, "U8", TorchScalarType.Byte, 0, "uint8")]
    [InlineData(DType.Bool, 1, "BOOL", TorchScalarType.Bool, 11, "bool")]
    public void Mappings_EachDtype_MatchSafetensorsAndPyTorch(DType dtype, int size, string stName, TorchScalarType scalar, int code, string torchName)
    {
        Assert.Equal(size, dtype.ElementSize());
        Assert.Equal(stName, dtype.ToSafetensorsName());
        Assert.True(DTypeExtensions.TryParseSafetensorsName(stName, out var parsed));
        Assert.Equal(dtype, parsed);
        Assert.Equal(scalar, dtype.ToTorchScalarType());
        Assert.Equal(code, (int)dtype.ToTorchScalarType());
        Assert.Equal(dtype, DTypeExtensions.FromTorchScalarType(scalar));
        Assert.Equal(torchName, dtype.ToTorchName());
        Assert.True(DTypeExtensions.TryParseTorchName("torch." + torchName, out var t));
        Assert.Equal(dtype, t);
    }

    [Fact]
    public void All_ListsEveryDtypeOnce() => Assert.Equal(Enum.GetValues<DType>().Order(), DTypeExtensions.All.Order());

    [Fact]
    public void TryParse_UnknownNames_False()
    {
        Assert.False(DTypeExtensions.TryParseSafetensorsName("F8_E4M3", out _));
        Assert.False(DTypeExtensions.TryParseSafetensorsName("bf16", out _));
        Assert.False(DTypeExtensions.TryParseTorchName("float8_e4m3fn", out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => DTypeExtensions.FromTorchScalarType((TorchScalarType)8));
    }

    [Fact]
    public void TryParseTorchName_Aliases_Resolve()
    {
        Assert.True(DTypeExtensions.TryParseTorchName("half", out var h));
        Assert.Equal(DType.F16, h);
        Assert.True(DTypeExtensions.TryParseTorchName("float", out var f));
        Assert.Equal(DType.F32, f);
        Assert.True(DTypeExtensions.TryParseTorchName("long", out var l));
        Assert.Equal(DType.I64, l);
    }
}
