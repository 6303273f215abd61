using System.Diagnostics.CodeAnalysis;

namespace ReasonFlux.Checkpoints;

/// <summary>Element sizes and the name mappings between safetensors, PyTorch and <see cref="DType"/>.</summary>
public static class DTypeExtensions
{
    /// <summary>Every supported dtype, in safetensors' own declaration order (increasing alignment).</summary>
    public static IReadOnlyList<DType> All { get; } =
        [DType.Bool, DType.U8, DType.I8, DType.I16, DType.F16, DType.BF16, DType.I32, DType.F32, DType.F64, DType.I64];

    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this DType dtype) => dtype switch
    {
        DType.Bool or DType.U8 or DType.I8 => 1,
        DType.I16 or DType.F16 or DType.BF16 => 2,
        DType.I32 or DType.F32 => 4,
        DType.I64 or DType.F64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>The dtype string used in safetensors headers ("F32", "BF16", "BOOL", ...).</summary>
    public static string ToSafetensorsName(this DType dtype) => dtype switch
    {
        DType.Bool => "BOOL",
        DType.U8 => "U8",
        DType.I8 => "I8",
        DType.I16 => "I16",
        DType.I32 => "I32",
        DType.I64 => "I64",
        DType.F16 => "F16",
        DType.BF16 => "BF16",
        DType.F32 => "F32",
        DType.F64 => "F64",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>Parses a safetensors dtype string (case-sensitive, as the format defines it).</summary>
    public static bool TryParseSafetensorsName(string name, out DType dtype)
    {
        switch (name)
        {
            case "BOOL": dtype = DType.Bool; return true;
            case "U8": dtype = DType.U8; return true;
            case "I8": dtype = DType.I8; return true;
            case "I16": dtype = DType.I16; return true;
            case "I32": dtype = DType.I32; return true;
            case "I64": dtype = DType.I64; return true;
            case "F16": dtype = DType.F16; return true;
            case "BF16": dtype = DType.BF16; return true;
            case "F32": dtype = DType.F32; return true;
            case "F64": dtype = DType.F64; return true;
            default: dtype = default; return false;
        }
    }

    /// <summary>PyTorch's ScalarType code.</summary>
    public static TorchScalarType ToTorchScalarType(this DType dtype) => (TorchScalarType)(int)dtype;

    /// <summary>The dtype for a PyTorch ScalarType code; throws for codes this project does not support.</summary>
    public static DType FromTorchScalarType(TorchScalarType scalarType) =>
        Enum.IsDefined((DType)(int)scalarType)
            ? (DType)(int)scalarType
            : throw new ArgumentOutOfRangeException(nameof(scalarType), scalarType, "unsupported torch scalar type");

    /// <summary>PyTorch's dtype name without the "torch." prefix ("float32", "bfloat16", "bool", ...), as config.json's torch_dtype spells it.</summary>
    public static string ToTorchName(this DType dtype) => dtype switch
    {
        DType.Bool => "bool",
        DType.U8 => "uint8",
        DType.I8 => "int8",
        DType.I16 => "int16",
        DType.I32 => "int32",
        DType.I64 => "int64",
        DType.F16 => "float16",
        DType.BF16 => "bfloat16",
        DType.F32 => "float32",
        DType.F64 => "float64",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>
    /// Parses a PyTorch dtype name such as config.json's <c>torch_dtype</c>: "bfloat16", "torch.float16",
    /// and the aliases "half", "float", "double", "long", "int", "short", "uint8".
    /// </summary>
    public static bool TryParseTorchName(string name, [NotNullWhen(true)] out DType? dtype)
    {
        var n = name.StartsWith("torch.", StringComparison.Ordinal) ? name["torch.".Length..] : name;
        dtype = n switch
        {
            "bool" => DType.Bool,
            "uint8" => DType.U8,
            "int8" => DType.I8,
            "int16" or "short" => DType.I16,
            "int32" or "int" => DType.I32,
            "int64" or "long" => DType.I64,
            "float16" or "half" => DType.F16,
            "bfloat16" => DType.BF16,
            "float32" or "float" => DType.F32,
            "float64" or "double" => DType.F64,
            _ => null,
        };
        return dtype is not null;
    }

    /// <summary>
    /// Rank in safetensors' Rust <c>Dtype</c> enum, which HF's writer uses to order tensors (descending) before by name.
    /// Only the relative order of the supported dtypes matters.
    /// </summary>
    internal static int SafetensorsAlignmentRank(this DType dtype) => dtype switch
    {
        DType.Bool => 0,
        DType.U8 => 1,
        DType.I8 => 2,
        DType.I16 => 3,
        DType.F16 => 4,
        DType.BF16 => 5,
        DType.I32 => 6,
        DType.F32 => 7,
        DType.F64 => 8,
        DType.I64 => 9,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };
}
