namespace ReasonFlux.Checkpoints;

/// <summary>
/// Element types a safetensors checkpoint may hold here. The numeric values are PyTorch's
/// <c>c10::ScalarType</c> codes, so <c>(int)dtype</c> can be handed to libtorch as is.
/// Other safetensors dtypes (F8_*, U16/U32/U64, C64, F4...) are refused by the reader.
/// </summary>
public enum DType
{
    /// <summary>Unsigned 8-bit integer; safetensors "U8", torch.uint8 (ScalarType Byte = 0).</summary>
    U8 = 0,
    /// <summary>Signed 8-bit integer; safetensors "I8", torch.int8 (ScalarType Char = 1).</summary>
    I8 = 1,
    /// <summary>Signed 16-bit integer; safetensors "I16", torch.int16 (ScalarType Short = 2).</summary>
    I16 = 2,
    /// <summary>Signed 32-bit integer; safetensors "I32", torch.int32 (ScalarType Int = 3).</summary>
    I32 = 3,
    /// <summary>Signed 64-bit integer; safetensors "I64", torch.int64 (ScalarType Long = 4).</summary>
    I64 = 4,
    /// <summary>IEEE half; safetensors "F16", torch.float16 (ScalarType Half = 5).</summary>
    F16 = 5,
    /// <summary>IEEE single; safetensors "F32", torch.float32 (ScalarType Float = 6).</summary>
    F32 = 6,
    /// <summary>IEEE double; safetensors "F64", torch.float64 (ScalarType Double = 7).</summary>
    F64 = 7,
    /// <summary>One byte per element, 0 or 1; safetensors "BOOL", torch.bool (ScalarType Bool = 11).</summary>
    Bool = 11,
    /// <summary>bfloat16; safetensors "BF16", torch.bfloat16 (ScalarType BFloat16 = 15).</summary>
    BF16 = 15,
}

/// <summary>PyTorch <c>c10::ScalarType</c> codes for the dtypes in <see cref="DType"/> (TorchSharp's ScalarType uses the same numbers).</summary>
public enum TorchScalarType
{
    /// <summary>torch.uint8</summary>
    Byte = 0,
    /// <summary>torch.int8</summary>
    Int8 = 1,
    /// <summary>torch.int16</summary>
    Int16 = 2,
    /// <summary>torch.int32</summary>
    Int32 = 3,
    /// <summary>torch.int64</summary>
    Int64 = 4,
    /// <summary>torch.float16</summary>
    Float16 = 5,
    /// <summary>torch.float32</summary>
    Float32 = 6,
    /// <summary>torch.float64</summary>
    Float64 = 7,
    /// <summary>torch.bool</summary>
    Bool = 11,
    /// <summary>torch.bfloat16</summary>
    BFloat16 = 15,
}
