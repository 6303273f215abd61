using System.Globalization;
using System.Text;

namespace ReasonFlux.Checkpoints;

/// <summary>
/// JSON string escaping in the two dialects our files must match byte for byte: serde_json's (safetensors headers:
/// only quotes, backslashes and control characters escaped, non-ASCII raw) and Python's json.dumps with
/// ensure_ascii (index files: everything outside ' '..'~' as lowercase \uXXXX).
/// </summary>
internal static class JsonStringEscaper
{
    public static void Append(StringBuilder sb, string s, bool asciiOnly)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20 || (asciiOnly && c > 0x7e)) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
