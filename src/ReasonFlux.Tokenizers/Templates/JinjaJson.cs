using System.Text;

namespace ReasonFlux.Tokenizers.Templates;

/// <summary>
/// The tojson filter as transformers defines it: json.dumps(x, ensure_ascii=False, indent=indent,
/// separators=separators, sort_keys=sort_keys), so no HTML escaping and keys in insertion order.
/// </summary>
internal static class JinjaJson
{
    public static string Dumps(object? value, int? indent, string? itemSeparator, string? keySeparator, bool sortKeys)
    {
        itemSeparator ??= indent is null ? ", " : ",";
        keySeparator ??= ": ";
        var sb = new StringBuilder();
        Write(sb, value, indent, itemSeparator, keySeparator, sortKeys, 0);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, object? value, int? indent, string itemSep, string keySep, bool sortKeys, int depth)
    {
        JinjaLimits.CheckValueNesting(depth);
        // A huge indent times many items must stop here, not after the builder has grown without bound.
        JinjaLimits.CheckLength(sb.Length, "tojson");
        switch (value)
        {
            case null: sb.Append("null"); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case long l: sb.Append(l); break;
            case double d:
                sb.Append(double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : Py.FloatRepr(d));
                break;
            case string s: WriteString(sb, s); break;
            case JinjaDict dict:
            {
                var entries = dict.ToList();
                if (sortKeys) entries = entries.OrderBy(e => Py.Str(e.Key), StringComparer.Ordinal).ToList();
                WriteContainer(sb, '{', '}', entries.Count, indent, itemSep, depth, i =>
                {
                    var key = entries[i].Key;
                    WriteString(sb, key is string ks ? ks : JsonKey(key));
                    sb.Append(keySep);
                    Write(sb, entries[i].Value, indent, itemSep, keySep, sortKeys, depth + 1);
                });
                break;
            }
            case JinjaNamespace ns:
            {
                var entries = ns.Attributes.ToList();
                WriteContainer(sb, '{', '}', entries.Count, indent, itemSep, depth, i =>
                {
                    WriteString(sb, entries[i].Key);
                    sb.Append(keySep);
                    Write(sb, entries[i].Value, indent, itemSep, keySep, sortKeys, depth + 1);
                });
                break;
            }
            default:
                var seq = Py.AsSequence(value);
                if (seq is null)
                    throw value is Undefined u ? u.Fail() : new JinjaRuntimeError($"Object of type {Py.TypeName(value)} is not JSON serializable");
                WriteContainer(sb, '[', ']', seq.Count, indent, itemSep, depth, i => Write(sb, seq[i], indent, itemSep, keySep, sortKeys, depth + 1));
                break;
        }
    }

    // json.dumps turns non-string keys into strings: True → "true", None → "null", 1.5 → "1.5".
    private static string JsonKey(object key) => key switch
    {
        bool b => b ? "true" : "false",
        long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
        double d => Py.FloatRepr(d),
        _ => throw new JinjaRuntimeError($"keys must be str, int, float, bool or None, not {Py.TypeName(key)}"),
    };

    private static void WriteContainer(StringBuilder sb, char open, char close, int count, int? indent, string itemSep, int depth, Action<int> writeItem)
    {
        sb.Append(open);
        if (count == 0) { sb.Append(close); return; }
        for (int i = 0; i < count; i++)
        {
            if (i > 0) sb.Append(itemSep);
            if (indent is int n)
            {
                JinjaLimits.CheckLength(sb.Length + (long)n * (depth + 1), "tojson indent");
                sb.Append('\n').Append(' ', n * (depth + 1));
            }
            writeItem(i);
        }
        if (indent is int m) sb.Append('\n').Append(' ', m * depth);
        sb.Append(close);
    }

    private static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20) sb.Append($"\\u{(int)c:x4}");
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
