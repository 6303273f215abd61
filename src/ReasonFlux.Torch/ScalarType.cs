namespace ReasonFlux.Torch;

/// <summary>Element types; the numbering is c10::ScalarType's, identical in libtorch 1.13 and 2.x.</summary>
public enum ScalarType : sbyte
{
    Byte = 0,
    Int8 = 1,
    Int16 = 2,
    Int32 = 3,
    Int64 = 4,
    Float16 = 5,
    Float32 = 6,
    Float64 = 7,
    Bool = 11,
    BFloat16 = 15,
}

public static class ScalarTypeExtensions
{
    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this ScalarType t) => t switch
    {
        ScalarType.Byte or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        ScalarType.Int64 or ScalarType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "unknown scalar type"),
    };

    public static bool IsFloatingPoint(this ScalarType t) =>
        t is ScalarType.Float16 or ScalarType.Float32 or ScalarType.Float64 or ScalarType.BFloat16;

    /// <summary>Parses Hugging Face's torch_dtype strings ("bfloat16", "float32", …).</summary>
    public static ScalarType Parse(string name) => name.ToLowerInvariant() switch
    {
        "float32" or "fp32" or "float" => ScalarType.Float32,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        "float16" or "fp16" or "half" => ScalarType.Float16,
        "float64" or "double" => ScalarType.Float64,
        "int64" or "long" => ScalarType.Int64,
        "int32" or "int" => ScalarType.Int32,
        "bool" => ScalarType.Bool,
        "uint8" or "byte" => ScalarType.Byte,
        _ => throw new ArgumentException($"unknown dtype \"{name}\" (expected float32, bfloat16, float16, float64, int64, int32, bool or uint8)"),
    };
}
