using System.Text;

namespace ReasonFlux.Tokenizers.Templates;

/// <summary>
/// Python methods templates call on strings and dicts (str.startswith, str.split, dict.items, ...), with
/// Python's semantics. Lists expose none: transformers renders in an immutable sandbox.
/// </summary>
internal static class JinjaMethods
{
    private static readonly HashSet<string> StringMethods =
    [
        "startswith", "endswith", "split", "rsplit", "strip", "lstrip", "rstrip", "replace", "upper", "lower",
        "title", "capitalize", "find", "rfind", "count", "join", "isdigit", "isalpha", "isalnum", "isspace",
        "islower", "isupper", "splitlines",
    ];

    private static readonly HashSet<string> DictMethods = ["items", "keys", "values", "get"];

    public static bool TryBind(object? target, string name, out JinjaFunction method)
    {
        if (target is string s && StringMethods.Contains(name))
        {
            method = new JinjaFunction("str." + name, (args, kwargs) => CallString(s, name, args, kwargs));
            return true;
        }
        if (target is JinjaDict d && DictMethods.Contains(name))
        {
            method = new JinjaFunction("dict." + name, (args, kwargs) => CallDict(d, name, args, kwargs));
            return true;
        }
        method = null!;
        return false;
    }

    private static object? CallDict(JinjaDict d, string name, List<object?> args, List<(string, object?)> kwargs)
    {
        switch (name)
        {
            case "items": return d.Select(kv => (object?)new JinjaTuple([kv.Key, kv.Value])).ToList();
            case "keys": return d.Keys.Cast<object?>().ToList();
            case "values": return d.Select(kv => kv.Value).ToList();
            case "get":
            {
                var key = JinjaArgs.Get(args, kwargs, 0, "key", required: true, "dict.get");
                var fallback = JinjaArgs.Get(args, kwargs, 1, "default", required: false, "dict.get");
                return key is not null && d.TryGet(key, out var v) ? v : fallback is Undefined ? null : fallback;
            }
        }
        throw new JinjaRuntimeError($"'dict' object has no method '{name}'");
    }

    private static object? CallString(string s, string name, List<object?> args, List<(string, object?)> kwargs)
    {
        string fn = "str." + name;
        object? Arg(int i, string n) => JinjaArgs.Get(args, kwargs, i, n, required: false, fn);
        switch (name)
        {
            case "startswith":
            case "endswith":
            {
                var affix = JinjaArgs.Get(args, kwargs, 0, "prefix", required: true, fn);
                var options = affix is JinjaTuple t ? t.Items : [affix];
                foreach (var o in options)
                {
                    if (o is not string a) throw new JinjaRuntimeError($"{fn}() argument must be str or a tuple of str, not {Py.TypeName(o)}");
                    if (name == "startswith" ? s.StartsWith(a, StringComparison.Ordinal) : s.EndsWith(a, StringComparison.Ordinal)) return true;
                }
                return false;
            }
            case "split":
            case "rsplit":
            {
                var sep = Arg(0, "sep");
                var max = Arg(1, "maxsplit");
                long maxSplit = max is Undefined or null ? -1 : Py.ToLong(max);
                if (sep is Undefined or null) return WhitespaceSplit(s, maxSplit, name == "rsplit").Cast<object?>().ToList();
                if (sep is not string sepStr) throw new JinjaRuntimeError($"{fn}() separator must be str or None");
                if (sepStr.Length == 0) throw new JinjaRuntimeError("empty separator");
                return SeparatorSplit(s, sepStr, maxSplit, name == "rsplit").Cast<object?>().ToList();
            }
            case "strip":
            case "lstrip":
            case "rstrip":
            {
                var chars = Arg(0, "chars");
                if (chars is not (Undefined or null or string)) throw new JinjaRuntimeError($"{fn} arg must be None or str");
                return Strip(s, chars as string, left: name != "rstrip", right: name != "lstrip");
            }
            case "replace":
            {
                if (JinjaArgs.Get(args, kwargs, 0, "old", true, fn) is not string oldValue || JinjaArgs.Get(args, kwargs, 1, "new", true, fn) is not string newValue)
                    throw new JinjaRuntimeError($"{fn}() arguments must be str");
                var countArg = Arg(2, "count");
                long count = countArg is Undefined or null ? -1 : Py.ToLong(countArg);
                return Replace(s, oldValue, newValue, count);
            }
            case "upper": return s.ToUpperInvariant();
            case "lower": return s.ToLowerInvariant();
            case "title": return Title(s);
            case "capitalize": return s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();
            case "find":
            case "rfind":
            case "count":
            {
                if (JinjaArgs.Get(args, kwargs, 0, "sub", true, fn) is not string sub) throw new JinjaRuntimeError($"{fn}() argument must be str");
                if (name == "count")
                {
                    if (sub.Length == 0) return (long)(Py.CodePointCount(s) + 1);
                    long n = 0;
                    for (int i = s.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = s.IndexOf(sub, i + sub.Length, StringComparison.Ordinal)) n++;
                    return n;
                }
                int idx = name == "find" ? s.IndexOf(sub, StringComparison.Ordinal) : s.LastIndexOf(sub, StringComparison.Ordinal);
                return idx < 0 ? -1L : (long)CodePointIndex(s, idx);
            }
            case "join":
            {
                var items = Py.Iterate(JinjaArgs.Get(args, kwargs, 0, "iterable", true, fn));
                return JinjaLimits.Join(s, items.Select(x => x as string ?? throw new JinjaRuntimeError($"sequence item: expected str instance, {Py.TypeName(x)} found")), "str.join");
            }
            case "isdigit": return s.Length > 0 && Py.CodePoints(s).All(c => System.Text.Rune.GetUnicodeCategory(System.Text.Rune.GetRuneAt(c, 0)) == System.Globalization.UnicodeCategory.DecimalDigitNumber);
            case "isalpha": return s.Length > 0 && Py.CodePoints(s).All(c => System.Text.Rune.IsLetter(System.Text.Rune.GetRuneAt(c, 0)));
            case "isalnum": return s.Length > 0 && Py.CodePoints(s).All(c => System.Text.Rune.IsLetterOrDigit(System.Text.Rune.GetRuneAt(c, 0)));
            case "isspace": return s.Length > 0 && s.All(Py.IsSpace);
            case "islower": return s.Any(char.IsLetter) && !s.Any(char.IsUpper);
            case "isupper": return s.Any(char.IsLetter) && !s.Any(char.IsLower);
            case "splitlines": return SplitLines(s);
        }
        throw new JinjaRuntimeError($"'str' object has no method '{name}'");
    }

    /// <summary>Python str.splitlines(): every line boundary Python knows, no trailing empty line.</summary>
    public static List<object?> SplitLines(string s)
    {
        var lines = new List<object?>();
        int start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c is '\n' or '\r' or '\v' or '\f' or '\u001C' or '\u001D' or '\u001E' or '\u0085' or '\u2028' or '\u2029')
            {
                lines.Add(s[start..i]);
                if (c == '\r' && i + 1 < s.Length && s[i + 1] == '\n') i++;
                start = i + 1;
            }
        }
        if (start < s.Length) lines.Add(s[start..]);
        return lines;
    }

    private static int CodePointIndex(string s, int utf16Index)
    {
        int n = 0;
        for (int i = 0; i < utf16Index; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
            n++;
        }
        return n;
    }

    public static string Strip(string s, string? chars, bool left, bool right)
    {
        Func<char, bool> strip = chars is null ? Py.IsSpace : chars.Contains;
        int start = 0, end = s.Length;
        if (left) while (start < end && strip(s[start])) start++;
        if (right) while (end > start && strip(s[end - 1])) end--;
        return s[start..end];
    }

    private static List<string> WhitespaceSplit(string s, long maxSplit, bool fromRight)
    {
        var parts = new List<string>();
        if (!fromRight)
        {
            int i = 0;
            while (true)
            {
                while (i < s.Length && Py.IsSpace(s[i])) i++;
                if (i >= s.Length) break;
                if (maxSplit >= 0 && parts.Count == maxSplit)
                {
                    parts.Add(Strip(s[i..], null, false, true));
                    break;
                }
                int j = i;
                while (j < s.Length && !Py.IsSpace(s[j])) j++;
                parts.Add(s[i..j]);
                i = j;
            }
            return parts;
        }
        int end = s.Length;
        while (true)
        {
            while (end > 0 && Py.IsSpace(s[end - 1])) end--;
            if (end <= 0) break;
            if (maxSplit >= 0 && parts.Count == maxSplit)
            {
                parts.Add(Strip(s[..end], null, true, false));
                break;
            }
            int j = end;
            while (j > 0 && !Py.IsSpace(s[j - 1])) j--;
            parts.Add(s[j..end]);
            end = j;
        }
        parts.Reverse();
        return parts;
    }

    private static List<string> SeparatorSplit(string s, string sep, long maxSplit, bool fromRight)
    {
        var parts = new List<string>();
        if (!fromRight)
        {
            int start = 0;
            while (maxSplit < 0 || parts.Count < maxSplit)
            {
                int idx = s.IndexOf(sep, start, StringComparison.Ordinal);
                if (idx < 0) break;
                parts.Add(s[start..idx]);
                start = idx + sep.Length;
            }
            parts.Add(s[start..]);
            return parts;
        }
        int end = s.Length;
        while (maxSplit < 0 || parts.Count < maxSplit)
        {
            if (end < sep.Length) break;
            int idx = s.LastIndexOf(sep, end - 1, end, StringComparison.Ordinal);
            if (idx < 0) break;
            parts.Add(s[(idx + sep.Length)..end]);
            end = idx;
        }
        parts.Add(s[..end]);
        parts.Reverse();
        return parts;
    }

    private static string Replace(string s, string oldValue, string newValue, long count)
    {
        // Every append is checked: replacing one character by a long string multiplies the size.
        var sb = new StringBuilder();
        if (oldValue.Length == 0)
        {
            var cps = Py.CodePoints(s);
            long done = 0;
            for (int i = 0; i <= cps.Count; i++)
            {
                if (count < 0 || done < count)
                {
                    JinjaLimits.CheckLength((long)sb.Length + newValue.Length, "str.replace");
                    sb.Append(newValue);
                    done++;
                }
                if (i < cps.Count) sb.Append(cps[i]);
            }
            return sb.ToString();
        }
        int start = 0;
        long replaced = 0;
        while (count < 0 || replaced < count)
        {
            int idx = s.IndexOf(oldValue, start, StringComparison.Ordinal);
            if (idx < 0) break;
            JinjaLimits.CheckLength((long)sb.Length + (idx - start) + newValue.Length, "str.replace");
            sb.Append(s, start, idx - start).Append(newValue);
            start = idx + oldValue.Length;
            replaced++;
        }
        return sb.Append(s, start, s.Length - start).ToString();
    }

    /// <summary>Python str.title(): a cased letter after an uncased char starts a word.</summary>
    public static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool previousCased = false;
        foreach (char c in s)
        {
            bool cased = char.IsUpper(c) || char.IsLower(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.TitlecaseLetter;
            sb.Append(cased ? (previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)) : c);
            previousCased = cased;
        }
        return sb.ToString();
    }
}

/// <summary>Positional-or-keyword argument binding for filters, tests and methods.</summary>
internal static class JinjaArgs
{
    public static object? Get(List<object?> args, List<(string Name, object? Value)> kwargs, int index, string name, bool required, string function)
    {
        if (index < args.Count) return args[index];
        foreach (var (n, v) in kwargs) if (n == name) return v;
        if (required) throw new JinjaRuntimeError($"{function}() missing required argument '{name}'");
        return new Undefined($"'{name}' is undefined");
    }

    public static object? GetOr(List<object?> args, List<(string Name, object? Value)> kwargs, int index, string name, object? fallback)
    {
        var v = Get(args, kwargs, index, name, false, "");
        return v is Undefined ? fallback : v;
    }
}
