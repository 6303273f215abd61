using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ReasonFlux.Tokenizers.Templates;

/// <summary>Jinja2's builtin filters that chat templates use, plus transformers' tojson.</summary>
internal static class JinjaFilters
{
    private static readonly HashSet<string> Known =
    [
        "abs", "attr", "capitalize", "count", "d", "default", "e", "escape", "first", "float", "indent", "int",
        "items", "join", "last", "length", "list", "lower", "map", "max", "min", "reject", "rejectattr", "replace",
        "reverse", "round", "safe", "select", "selectattr", "sort", "string", "sum", "title", "tojson", "trim",
        "unique", "upper", "wordcount",
    ];

    public static bool IsKnown(string name) => Known.Contains(name);

    public static object? Apply(string name, object? v, List<object?> args, List<(string Name, object? Value)> kw)
    {
        object? Arg(int i, string n, object? fallback) => JinjaArgs.GetOr(args, kw, i, n, fallback);
        switch (name)
        {
            case "abs":
                return v switch { long l => (object)Math.Abs(l), double d => Math.Abs(d), bool b => b ? 1L : 0L, _ => throw TypeError(name, v) };
            case "attr":
                return JinjaOperators.GetAttr(v, Py.Str(Arg(0, "name", "")));
            case "capitalize":
            {
                string s = Py.Str(v);
                return s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();
            }
            case "count":
            case "length":
                return v switch
                {
                    string s => (long)Py.CodePointCount(s),
                    Undefined => 0L,
                    JinjaDict d => (long)d.Count,
                    _ => (long)(Py.AsSequence(v) ?? throw new JinjaRuntimeError($"object of type '{Py.TypeName(v)}' has no len()")).Count,
                };
            case "d":
            case "default":
            {
                var fallback = Arg(0, "default_value", "");
                bool boolean = Py.Truthy(Arg(1, "boolean", false));
                return v is Undefined || (boolean && !Py.Truthy(v)) ? fallback : v;
            }
            case "e":
            case "escape":
                return Py.Str(v).Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&#34;").Replace("'", "&#39;");
            case "first":
            {
                var items = Py.Iterate(v);
                return items.Count > 0 ? items[0] : new Undefined("No first item, sequence was empty.");
            }
            case "last":
            {
                var items = Py.Iterate(v);
                return items.Count > 0 ? items[^1] : new Undefined("No last item, sequence was empty.");
            }
            case "float":
                return ToFloat(v, Arg(0, "default", 0.0));
            case "int":
                return ToInt(v, Arg(0, "default", 0L));
            case "indent":
                return Indent(Py.Str(v), Arg(0, "width", 4L), Py.Truthy(Arg(1, "first", false)), Py.Truthy(Arg(2, "blank", false)));
            case "items":
                if (v is Undefined) return new List<object?>();
                if (v is not JinjaDict dict) throw new JinjaRuntimeError($"Can only get item pairs from a mapping, not {Py.TypeName(v)}");
                return dict.Select(kv => (object?)new JinjaTuple([kv.Key, kv.Value])).ToList();
            case "join":
            {
                string sep = Py.Str(Arg(0, "d", ""));
                var items = Py.Iterate(v);
                var attribute = Arg(1, "attribute", null);
                if (attribute is not null) items = items.Select(x => GetPath(x, attribute)).ToList();
                return JinjaLimits.Join(sep, items.Select(Py.Str), "join");
            }
            case "list":
                return Py.Iterate(v).ToList();
            case "lower":
                return Py.Str(v).ToLowerInvariant();
            case "upper":
                return Py.Str(v).ToUpperInvariant();
            case "map":
            {
                var items = Py.Iterate(v);
                var attribute = JinjaArgs.GetOr([], kw, 0, "attribute", null);
                if (attribute is not null)
                {
                    var fallback = JinjaArgs.GetOr([], kw, 0, "default", null);
                    return items.Select(x => { var r = GetPath(x, attribute); return r is Undefined && fallback is not null ? fallback : r; }).ToList();
                }
                if (args.Count == 0 || args[0] is not string filter) throw new JinjaRuntimeError("map() needs a filter name or attribute=");
                if (!IsKnown(filter)) throw new JinjaRuntimeError($"unknown filter '{filter}'");
                return items.Select(x => Apply(filter, x, args.Skip(1).ToList(), [])).ToList();
            }
            case "max":
            case "min":
            {
                var items = SortKeyed(Py.Iterate(v), Arg(1, "attribute", null), Py.Truthy(Arg(0, "case_sensitive", false)));
                if (items.Count == 0) return new Undefined($"No aggregated item, sequence was empty.");
                var best = items[0];
                foreach (var it in items.Skip(1))
                {
                    int c = Py.Compare(it.Key, best.Key, name == "max" ? ">" : "<");
                    if (name == "max" ? c > 0 : c < 0) best = it;
                }
                return best.Value;
            }
            case "select":
            case "reject":
            {
                bool keep = name == "select";
                return Py.Iterate(v).Where(x => RunTest(x, args, 0) == keep).ToList();
            }
            case "selectattr":
            case "rejectattr":
            {
                bool keep = name == "selectattr";
                if (args.Count == 0) throw new JinjaRuntimeError($"{name}() needs an attribute name");
                return Py.Iterate(v).Where(x => RunTest(GetPath(x, args[0]), args, 1) == keep).ToList();
            }
            case "replace":
            {
                string s = Py.Str(v);
                string oldValue = Py.Str(Arg(0, "old", "")), newValue = Py.Str(Arg(1, "new", ""));
                var count = Arg(2, "count", null);
                if (count is null && oldValue.Length == 0) return s;
                var method = JinjaOperators.GetAttr(s, "replace") as JinjaFunction;
                return method!.Invoke([oldValue, newValue, count ?? -1L], []);
            }
            case "reverse":
                if (v is string rs) return string.Concat(Py.CodePoints(rs).AsEnumerable().Reverse());
                return Py.Iterate(v).AsEnumerable().Reverse().ToList();
            case "round":
            {
                double x = Py.ToDouble(v);
                int precision = (int)Py.ToLong(Arg(0, "precision", 0L));
                string method = Py.Str(Arg(1, "method", "common"));
                double factor = Math.Pow(10, precision);
                return method switch
                {
                    "common" => Math.Round(x * factor, MidpointRounding.AwayFromZero) / factor,
                    "ceil" => Math.Ceiling(x * factor) / factor,
                    "floor" => Math.Floor(x * factor) / factor,
                    _ => throw new JinjaRuntimeError("method must be common, ceil or floor"),
                };
            }
            case "safe":
                return v;
            case "sort":
            {
                bool reverse = Py.Truthy(Arg(0, "reverse", false));
                var keyed = SortKeyed(Py.Iterate(v), Arg(2, "attribute", null), Py.Truthy(Arg(1, "case_sensitive", false)));
                var sorted = keyed.OrderBy(k => k.Key, Comparer<object?>.Create((a, b) => Py.Compare(a, b, "<"))).ToList();
                if (reverse) sorted.Reverse();
                return sorted.Select(k => k.Value).ToList();
            }
            case "string":
                return Py.Str(v);
            case "sum":
            {
                var items = Py.Iterate(v);
                var attribute = Arg(0, "attribute", null);
                object? total = Arg(1, "start", 0L);
                foreach (var item in items) total = JinjaOperators.Binary("+", total, attribute is null ? item : GetPath(item, attribute));
                return total;
            }
            case "title":
                return Regex.Split(Py.Str(v), @"([-\s({\[<]+)").Where(p => p.Length > 0)
                    .Aggregate(new StringBuilder(), (sb, p) => sb.Append(char.ToUpperInvariant(p[0])).Append(p[1..].ToLowerInvariant())).ToString();
            case "tojson":
            {
                if (Py.Truthy(Arg(0, "ensure_ascii", false))) throw new JinjaRuntimeError("tojson(ensure_ascii=True) is not supported");
                var indent = Arg(1, "indent", null);
                var separators = Arg(2, "separators", null);
                string? itemSep = null, keySep = null;
                if (separators is not null)
                {
                    var seps = Py.AsSequence(separators);
                    if (seps is not { Count: 2 } || seps[0] is not string s0 || seps[1] is not string s1)
                        throw new JinjaRuntimeError("tojson separators must be a pair of strings");
                    itemSep = s0;
                    keySep = s1;
                }
                return JinjaJson.Dumps(v, indent is null ? null : (int)Py.ToLong(indent), itemSep, keySep, Py.Truthy(Arg(3, "sort_keys", false)));
            }
            case "trim":
            {
                var chars = Arg(0, "chars", null);
                return JinjaMethods.Strip(Py.Str(v), chars as string, true, true);
            }
            case "unique":
            {
                bool caseSensitive = Py.Truthy(Arg(0, "case_sensitive", false));
                var keyed = SortKeyed(Py.Iterate(v), Arg(1, "attribute", null), caseSensitive);
                var seen = new List<object?>();
                var result = new List<object?>();
                foreach (var (key, value) in keyed)
                {
                    if (seen.Any(s => Py.Equals(s, key))) continue;
                    seen.Add(key);
                    result.Add(value);
                }
                return result;
            }
            case "wordcount":
                return (long)Regex.Matches(Py.Str(v), @"\w+").Count;
        }
        throw new JinjaRuntimeError($"unknown filter '{name}'");
    }

    private static JinjaRuntimeError TypeError(string filter, object? v) =>
        v is Undefined u ? u.Fail() : new JinjaRuntimeError($"filter '{filter}' does not accept a {Py.TypeName(v)}");

    private static bool RunTest(object? value, List<object?> args, int testIndex)
    {
        if (args.Count <= testIndex) return Py.Truthy(value);
        if (args[testIndex] is not string test || !JinjaTests.IsKnown(test)) throw new JinjaRuntimeError($"unknown test '{Py.Str(args[testIndex])}'");
        return JinjaTests.Apply(test, value, args.Skip(testIndex + 1).ToList());
    }

    // "a.b.0" attribute paths as Jinja's make_attrgetter accepts.
    private static object? GetPath(object? item, object? attribute)
    {
        if (attribute is long index) return JinjaOperators.GetItem(item, index);
        object? current = item;
        foreach (var part in Py.Str(attribute).Split('.'))
        {
            current = long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out long i)
                ? JinjaOperators.GetItem(current, i)
                : JinjaOperators.GetItem(current, part);
            if (current is Undefined) return current;
        }
        return current;
    }

    private static List<KeyValuePair<object?, object?>> SortKeyed(List<object?> items, object? attribute, bool caseSensitive)
    {
        return items.Select(x =>
        {
            var key = attribute is null ? x : GetPath(x, attribute);
            if (!caseSensitive && key is string s) key = s.ToLowerInvariant();
            return new KeyValuePair<object?, object?>(key, x);
        }).ToList();
    }

    private static object? ToInt(object? v, object? fallback)
    {
        switch (v)
        {
            case long l: return l;
            case bool b: return b ? 1L : 0L;
            case double d: return double.IsFinite(d) ? (long)Math.Truncate(d) : fallback;
            case string s:
                s = s.Trim().Replace("_", "");
                if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long li)) return li;
                if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double dd) && double.IsFinite(dd)) return (long)Math.Truncate(dd);
                return fallback;
            default: return fallback;
        }
    }

    private static object? ToFloat(object? v, object? fallback) => v switch
    {
        long l => (double)l,
        bool b => b ? 1.0 : 0.0,
        double d => d,
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => d,
        _ => fallback,
    };

    private static string Indent(string s, object? width, bool first, bool blank)
    {
        long widthValue = width is string ? 0 : Py.ToLong(width);
        JinjaLimits.CheckLength(widthValue, "indent width");
        string indention = width is string ws ? ws : new string(' ', (int)Math.Max(0, widthValue));
        var lines = JinjaMethods.SplitLines(s + "\n").Cast<string>().ToList();
        JinjaLimits.CheckLength(s.Length + (long)lines.Count * indention.Length, "indent");
        string rv;
        if (blank) rv = string.Join("\n" + indention, lines);
        else
        {
            rv = lines[0];
            if (lines.Count > 1) rv += "\n" + string.Join("\n", lines.Skip(1).Select(l => l.Length > 0 ? indention + l : l));
        }
        return first ? indention + rv : rv;
    }
}
