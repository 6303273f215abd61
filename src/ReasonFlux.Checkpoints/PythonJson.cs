using System.Globalization;
using System.Text;

namespace ReasonFlux.Checkpoints;

/// <summary>
/// Writes JSON exactly as Python's <c>json.dumps(obj, indent=2, sort_keys=True)</c> does for the shapes transformers
/// writes (objects of objects, strings and integers), so our index files diff cleanly against HF's.
/// </summary>
internal static class PythonJson
{
    /// <summary>A JSON object whose values are strings, integers or nested objects of the same kind.</summary>
    public static string DumpSortedIndented(IReadOnlyDictionary<string, object> obj)
    {
        var sb = new StringBuilder();
        AppendObject(sb, obj, 0);
        return sb.ToString();
    }

    private static void AppendObject(StringBuilder sb, IReadOnlyDictionary<string, object> obj, int depth)
    {
        if (obj.Count == 0)
        {
            sb.Append("{}");
            return;
        }
        sb.Append('{');
        bool first = true;
        foreach (var key in obj.Keys.Order(CodePointComparer.Instance))
        {
            if (!first) sb.Append(',');
            first = false;
            sb.Append('\n').Append(' ', 2 * (depth + 1));
            AppendString(sb, key);
            sb.Append(": ");
            AppendValue(sb, obj[key], depth + 1);
        }
        sb.Append('\n').Append(' ', 2 * depth).Append('}');
    }

    private static void AppendValue(StringBuilder sb, object value, int depth)
    {
        switch (value)
        {
            case string s: AppendString(sb, s); break;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case int i: sb.Append(i.ToString(CultureInfo.InvariantCulture)); break;
            case IReadOnlyDictionary<string, object> o: AppendObject(sb, o, depth); break;
            case IReadOnlyDictionary<string, string> m: AppendObject(sb, m.ToDictionary(kv => kv.Key, kv => (object)kv.Value, StringComparer.Ordinal), depth); break;
            default: throw new ArgumentException($"unsupported JSON value type {value.GetType()}");
        }
    }

    /// <summary>Python's <c>ensure_ascii=True</c> escaping: everything outside ' '..'~' becomes \uXXXX (lowercase hex, surrogate pairs).</summary>
    internal static void AppendString(StringBuilder sb, string s) => JsonStringEscaper.Append(sb, s, asciiOnly: true);
}
