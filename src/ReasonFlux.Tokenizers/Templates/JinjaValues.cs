using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReasonFlux.Tokenizers.Templates;

/// <summary>
/// Jinja2's default Undefined: renders as "", is falsy, iterates as empty, equals only another Undefined,
/// and fails when used as a value (attribute, item, arithmetic, call).
/// </summary>
internal sealed class Undefined(string message)
{
    /// <summary>Why the value is undefined, e.g. "'x' is undefined" or "'dict object' has no attribute 'y'".</summary>
    public string Message { get; } = message;

    public JinjaRuntimeError Fail() => new(Message);

    public static Undefined Name(string name) => new($"'{name}' is undefined");
}

/// <summary>An insertion-ordered Python dict (JSON objects keep their key order, as in transformers).</summary>
internal sealed class JinjaDict : IEnumerable<KeyValuePair<object, object?>>
{
    private readonly List<object> _keys = [];
    private readonly Dictionary<object, object?> _map = new(PyEqualityComparer.Instance);

    public int Count => _keys.Count;
    public IEnumerable<object> Keys => _keys;

    public bool TryGet(object key, out object? value) => _map.TryGetValue(key, out value);
    public bool ContainsKey(object key) => _map.ContainsKey(key);

    public void Set(object key, object? value)
    {
        if (!_map.ContainsKey(key)) _keys.Add(key);
        _map[key] = value;
    }

    public IEnumerator<KeyValuePair<object, object?>> GetEnumerator()
    {
        foreach (var k in _keys) yield return new(k, _map[k]);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>The mutable object namespace() returns; the only thing {% set ns.x = ... %} can assign to.</summary>
internal sealed class JinjaNamespace
{
    public Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);
}

/// <summary>A Python tuple: immutable, but otherwise a list here.</summary>
internal sealed class JinjaTuple(List<object?> items)
{
    public List<object?> Items { get; } = items;
}

/// <summary>A callable value: globals like namespace() and raise_exception(), and bound methods.</summary>
internal sealed class JinjaFunction(string name, Func<List<object?>, List<(string Name, object? Value)>, object?> body)
{
    public string Name { get; } = name;
    public object? Invoke(List<object?> args, List<(string, object?)> kwargs) => body(args, kwargs);
}

/// <summary>The special "loop" variable of a for loop.</summary>
internal sealed class LoopContext(List<object?> items, int index)
{
    public object? Get(string name) => name switch
    {
        "index" => (long)(index + 1),
        "index0" => (long)index,
        "revindex" => (long)(items.Count - index),
        "revindex0" => (long)(items.Count - index - 1),
        "first" => index == 0,
        "last" => index == items.Count - 1,
        "length" => (long)items.Count,
        "previtem" => index > 0 ? items[index - 1] : Undefined.Name("loop.previtem"),
        "nextitem" => index < items.Count - 1 ? items[index + 1] : Undefined.Name("loop.nextitem"),
        "cycle" => new JinjaFunction("loop.cycle", (args, _) =>
            args.Count == 0 ? throw new JinjaRuntimeError("loop.cycle() needs at least one argument") : args[index % args.Count]),
        _ => new Undefined($"'loop' has no attribute '{name}'"),
    };
}

/// <summary>Python semantics for the values templates handle: truthiness, str(), repr(), ==, ordering.</summary>
internal static class Py
{
    public static bool Truthy(object? v) => v switch
    {
        null => false,
        Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> list => list.Count > 0,
        JinjaTuple t => t.Items.Count > 0,
        JinjaDict d => d.Count > 0,
        _ => true,
    };

    public static string TypeName(object? v) => v switch
    {
        null => "NoneType",
        Undefined => "Undefined",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        JinjaTuple => "tuple",
        JinjaDict => "dict",
        JinjaNamespace => "Namespace",
        LoopContext => "LoopContext",
        JinjaFunction => "function",
        _ => v.GetType().Name,
    };

    /// <summary>Python str(): what {{ x }} prints (Undefined prints nothing).</summary>
    public static string Str(object? v) => v switch
    {
        string s => s,
        Undefined => "",
        _ => Repr(v),
    };

    public static string Repr(object? v) => Repr(v, 0);

    private static string JoinReprs(IEnumerable<string> parts) => JinjaLimits.Join(", ", parts, "repr of a container");

    private static string Repr(object? v, int depth)
    {
        if (v is List<object?> or JinjaTuple or JinjaDict) JinjaLimits.CheckValueNesting(depth);
        return ReprCore(v, depth + 1);
    }

    private static string ReprCore(object? v, int depth) => v switch
    {
        null => "None",
        Undefined => "",
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FloatRepr(d),
        string s => StringRepr(s),
        List<object?> list => "[" + JoinReprs(list.Select(x => Repr(x, depth))) + "]",
        JinjaTuple t => t.Items.Count == 1 ? "(" + Repr(t.Items[0], depth) + ",)" : "(" + JoinReprs(t.Items.Select(x => Repr(x, depth))) + ")",
        JinjaDict d => "{" + JoinReprs(d.Select(kv => Repr(kv.Key, depth) + ": " + Repr(kv.Value, depth))) + "}",
        JinjaNamespace => "<Namespace>",
        JinjaFunction f => $"<function {f.Name}>",
        _ => v.ToString() ?? "",
    };

    /// <summary>Python's repr(float): shortest round-trip digits, exponent form outside 1e-4 ≤ |x| &lt; 1e16.</summary>
    public static string FloatRepr(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsPositiveInfinity(d)) return "inf";
        if (double.IsNegativeInfinity(d)) return "-inf";
        if (d == 0) return double.IsNegative(d) ? "-0.0" : "0.0";
        // Shortest round-trip digits and decimal exponent.
        string shortest = d.ToString("R", CultureInfo.InvariantCulture);
        string digits;
        int exponent;
        {
            string s = shortest.TrimStart('-');
            int ePos = s.IndexOfAny(['E', 'e']);
            int exp10 = 0;
            if (ePos >= 0)
            {
                exp10 = int.Parse(s[(ePos + 1)..], CultureInfo.InvariantCulture);
                s = s[..ePos];
            }
            int dot = s.IndexOf('.');
            string intPart = dot >= 0 ? s[..dot] : s;
            string fracPart = dot >= 0 ? s[(dot + 1)..] : "";
            string all = (intPart + fracPart).TrimStart('0');
            int leadingZeros = (intPart + fracPart).Length - all.Length;
            // value = 0.(intPart+fracPart) * 10^(intPart.Length) * 10^exp10
            exponent = intPart.Length - leadingZeros - 1 + exp10;
            digits = all.TrimEnd('0');
            if (digits.Length == 0) digits = "0";
        }
        string sign = d < 0 ? "-" : "";
        if (exponent < -4 || exponent >= 16)
        {
            string mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
            return $"{sign}{mantissa}e{(exponent < 0 ? "-" : "+")}{Math.Abs(exponent):00}";
        }
        if (exponent < 0) return sign + "0." + new string('0', -exponent - 1) + digits;
        if (digits.Length <= exponent + 1) return sign + digits + new string('0', exponent + 1 - digits.Length) + ".0";
        return sign + digits[..(exponent + 1)] + "." + digits[(exponent + 1)..];
    }

    public static string StringRepr(string s)
    {
        char quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        var sb = new StringBuilder(s.Length + 2).Append(quote);
        foreach (char c in s)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c == quote) sb.Append('\\').Append(c);
                    else if (c < 0x20 || c == 0x7F) sb.Append($"\\x{(int)c:x2}");
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append(quote).ToString();
    }

    public static new bool Equals(object? a, object? b) => Equals(a, b, 0);

    private static bool Equals(object? a, object? b, int depth)
    {
        if (a is Undefined || b is Undefined) return a is Undefined && b is Undefined;
        if (a is null || b is null) return a is null && b is null;
        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double || b is double) return ToDouble(a) == ToDouble(b);
            return ToLong(a) == ToLong(b);
        }
        if (a is string sa && b is string sb) return string.Equals(sa, sb, StringComparison.Ordinal);
        JinjaLimits.CheckValueNesting(depth);
        var la = AsSequence(a);
        var lb = AsSequence(b);
        if (la is not null && lb is not null)
        {
            if ((a is JinjaTuple) != (b is JinjaTuple) || la.Count != lb.Count) return false;
            for (int i = 0; i < la.Count; i++) if (!Equals(la[i], lb[i], depth + 1)) return false;
            return true;
        }
        if (a is JinjaDict da && b is JinjaDict db)
        {
            if (da.Count != db.Count) return false;
            foreach (var kv in da)
                if (!db.TryGet(kv.Key, out var other) || !Equals(kv.Value, other, depth + 1)) return false;
            return true;
        }
        return ReferenceEquals(a, b);
    }

    public static int Compare(object? a, object? b, string op) => Compare(a, b, op, 0);

    private static int Compare(object? a, object? b, string op, int depth)
    {
        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double || b is double) return ToDouble(a).CompareTo(ToDouble(b));
            return ToLong(a).CompareTo(ToLong(b));
        }
        if (a is string sa && b is string sb) return string.CompareOrdinal(sa, sb) switch { < 0 => -1, > 0 => 1, _ => 0 };
        JinjaLimits.CheckValueNesting(depth);
        var la = AsSequence(a);
        var lb = AsSequence(b);
        if (la is not null && lb is not null && (a is JinjaTuple) == (b is JinjaTuple))
        {
            for (int i = 0; i < Math.Min(la.Count, lb.Count); i++)
            {
                if (Equals(la[i], lb[i], depth + 1)) continue;
                return Compare(la[i], lb[i], op, depth + 1);
            }
            return la.Count.CompareTo(lb.Count);
        }
        if (a is Undefined u) throw u.Fail();
        if (b is Undefined u2) throw u2.Fail();
        throw new JinjaRuntimeError($"'{op}' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
    }

    public static bool IsNumber(object? v) => v is long or double or bool;

    public static long ToLong(object? v) => v switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        double d => (long)d,
        _ => throw new JinjaRuntimeError($"expected a number, got '{TypeName(v)}'"),
    };

    public static double ToDouble(object? v) => v switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        double d => d,
        _ => throw new JinjaRuntimeError($"expected a number, got '{TypeName(v)}'"),
    };

    public static List<object?>? AsSequence(object? v) => v switch
    {
        List<object?> l => l,
        JinjaTuple t => t.Items,
        _ => null,
    };

    /// <summary>What "for x in v" iterates: list items, dict keys, string characters; Undefined is empty.</summary>
    public static List<object?> Iterate(object? v) => v switch
    {
        List<object?> l => l,
        JinjaTuple t => t.Items,
        JinjaDict d => d.Keys.Cast<object?>().ToList(),
        string s => CodePoints(s).Cast<object?>().ToList(),
        Undefined => [],
        _ => throw new JinjaRuntimeError($"'{TypeName(v)}' object is not iterable"),
    };

    /// <summary>len(s) in code points, without building the list.</summary>
    public static int CodePointCount(string s)
    {
        int n = s.Length;
        for (int i = 0; i + 1 < s.Length; i++)
            if (char.IsHighSurrogate(s[i]) && char.IsLowSurrogate(s[i + 1])) { n--; i++; }
        return n;
    }

    /// <summary>A string as Python sees it: one element per code point.</summary>
    public static List<string> CodePoints(string s)
    {
        var result = new List<string>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                result.Add(s.Substring(i, 2));
                i++;
            }
            else result.Add(s[i].ToString());
        }
        return result;
    }

    /// <summary>Python str.isspace() for one char (White_Space plus U+001C..U+001F).</summary>
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\u001C' and <= '\u001F';

    /// <summary>Converts template inputs (JSON nodes, .NET primitives and collections) to template values.</summary>
    public static object? FromDotNet(object? value) => value switch
    {
        null => null,
        string or bool or long or double or Undefined or JinjaDict or JinjaNamespace or JinjaTuple or JinjaFunction => value,
        List<object?> l when l.All(x => x is null or string or bool or long or double or List<object?> or JinjaDict) => l,
        int i => (long)i,
        short s => (long)s,
        byte b => (long)b,
        float f => (double)f,
        decimal m => (double)m,
        JsonNode node => FromJson(node),
        JsonElement e => FromJson(JsonSerializer.SerializeToNode(e)),
        ChatMessage m => MessageToDict(m),
        IDictionary dict => DictFrom(dict),
        IEnumerable seq => seq.Cast<object?>().Select(FromDotNet).ToList(),
        _ => throw new ArgumentException($"cannot pass a {value.GetType().Name} to a chat template"),
    };

    private static JinjaDict DictFrom(IDictionary dict)
    {
        var d = new JinjaDict();
        foreach (DictionaryEntry e in dict) d.Set(FromDotNet(e.Key)!, FromDotNet(e.Value));
        return d;
    }

    private static JinjaDict MessageToDict(ChatMessage m)
    {
        var d = new JinjaDict();
        d.Set("role", m.Role);
        d.Set("content", m.Content);
        return d;
    }

    public static object? FromJson(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject obj:
            {
                var d = new JinjaDict();
                foreach (var (k, v) in obj) d.Set(k, FromJson(v));
                return d;
            }
            case JsonArray arr:
                return arr.Select(FromJson).ToList();
            case JsonValue v:
                switch (v.GetValueKind())
                {
                    case JsonValueKind.String: return v.GetValue<string>();
                    case JsonValueKind.True: return true;
                    case JsonValueKind.False: return false;
                    case JsonValueKind.Null: return null;
                    case JsonValueKind.Number:
                    {
                        // Python's json keeps 1 an int and 1.0 a float.
                        string raw = v.ToJsonString();
                        if (raw.IndexOfAny(['.', 'e', 'E']) < 0 && long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) return l;
                        return double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture);
                    }
                }
                break;
        }
        throw new ArgumentException($"unsupported JSON value {node.ToJsonString()}");
    }
}

/// <summary>Dictionary keys with Python equality (1 == 1.0 == True hash alike).</summary>
internal sealed class PyEqualityComparer : IEqualityComparer<object>
{
    public static readonly PyEqualityComparer Instance = new();

    public new bool Equals(object? x, object? y) => Py.Equals(x, y);

    public int GetHashCode(object obj) => obj switch
    {
        bool b => (b ? 1L : 0L).GetHashCode(),
        double d when d == Math.Floor(d) && Math.Abs(d) < 9e18 => ((long)d).GetHashCode(),
        string s => StringComparer.Ordinal.GetHashCode(s),
        _ => obj.GetHashCode(),
    };
}
