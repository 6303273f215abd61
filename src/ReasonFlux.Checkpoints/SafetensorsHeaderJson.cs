using System.Globalization;
using System.Text;

namespace ReasonFlux.Checkpoints;

/// <summary>
/// Builds a safetensors header byte-for-byte as HF's Rust writer does: serde_json compact output
/// (<c>__metadata__</c> first, then tensors in file order, each as <c>{"dtype":..,"shape":[..],"data_offsets":[b,e]}</c>),
/// then padded with spaces to a multiple of 8.
/// </summary>
internal static class SafetensorsHeaderJson
{
    /// <summary>Header bytes including the space padding (not the 8-byte length prefix).</summary>
    public static byte[] Build(IReadOnlyDictionary<string, string>? metadata, IReadOnlyList<PlannedTensor> tensors)
    {
        var sb = new StringBuilder(64 + tensors.Count * 96);
        sb.Append('{');
        bool first = true;
        if (metadata is not null)
        {
            sb.Append("\"__metadata__\":{");
            bool firstKey = true;
            // serde serializes a HashMap in hash order; with more than one key HF's order is unspecified, so sort.
            foreach (var key in metadata.Keys.Order(CodePointComparer.Instance))
            {
                if (!firstKey) sb.Append(',');
                firstKey = false;
                AppendString(sb, key);
                sb.Append(':');
                AppendString(sb, metadata[key]);
            }
            sb.Append('}');
            first = false;
        }
        foreach (var t in tensors)
        {
            if (!first) sb.Append(',');
            first = false;
            AppendString(sb, t.Source.Name);
            sb.Append(":{\"dtype\":\"").Append(t.Source.DType.ToSafetensorsName()).Append("\",\"shape\":[");
            var shape = t.Source.ShapeSpan;
            for (int i = 0; i < shape.Length; i++)
            {
                if (i > 0) sb.Append(',');
                sb.Append(shape[i].ToString(CultureInfo.InvariantCulture));
            }
            sb.Append("],\"data_offsets\":[")
                .Append(t.Begin.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(t.End.ToString(CultureInfo.InvariantCulture)).Append("]}");
        }
        sb.Append('}');
        int byteCount = Encoding.UTF8.GetByteCount(sb.ToString());
        int pad = (8 - byteCount % 8) % 8;
        sb.Append(' ', pad);
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>serde_json string escaping: only '"', '\\' and control characters; non-ASCII stays raw UTF-8.</summary>
    internal static void AppendString(StringBuilder sb, string s) => JsonStringEscaper.Append(sb, s, asciiOnly: false);
}

/// <summary>A tensor placed in a file: its source and its [Begin, End) data offsets.</summary>
internal readonly record struct PlannedTensor(TensorWriteSource Source, long Begin, long End);
