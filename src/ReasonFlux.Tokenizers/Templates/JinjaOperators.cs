using System.Text;

namespace ReasonFlux.Tokenizers.Templates;

/// <summary>Python semantics of the binary operators, "in", attribute and item access, and slicing.</summary>
internal static class JinjaOperators
{
    public static object? Binary(string op, object? a, object? b)
    {
        if (a is Undefined ua) throw ua.Fail();
        if (b is Undefined ub) throw ub.Fail();
        switch (op)
        {
            case "+":
                if (Py.IsNumber(a) && Py.IsNumber(b)) return Arith(a, b, (x, y) => checked(x + y), (x, y) => x + y);
                if (a is string sa && b is string sb)
                {
                    JinjaLimits.CheckLength((long)sa.Length + sb.Length, "string concatenation");
                    return sa + sb;
                }
                if (a is List<object?> la && b is List<object?> lb)
                {
                    JinjaLimits.CheckItems((long)la.Count + lb.Count, "list concatenation");
                    return new List<object?>([.. la, .. lb]);
                }
                if (a is JinjaTuple ta && b is JinjaTuple tb)
                {
                    JinjaLimits.CheckItems((long)ta.Items.Count + tb.Items.Count, "tuple concatenation");
                    return new JinjaTuple([.. ta.Items, .. tb.Items]);
                }
                if (a is string) throw new JinjaRuntimeError($"can only concatenate str (not \"{Py.TypeName(b)}\") to str");
                break;
            case "-":
                if (Py.IsNumber(a) && Py.IsNumber(b)) return Arith(a, b, (x, y) => checked(x - y), (x, y) => x - y);
                break;
            case "*":
                if (Py.IsNumber(a) && Py.IsNumber(b)) return Arith(a, b, (x, y) => checked(x * y), (x, y) => x * y);
                if (a is string s1 && b is long or bool) return Repeat(s1, Py.ToLong(b));
                if (b is string s2 && a is long or bool) return Repeat(s2, Py.ToLong(a));
                if (a is List<object?> l1 && b is long or bool) return RepeatList(l1, Py.ToLong(b));
                if (b is List<object?> l2 && a is long or bool) return RepeatList(l2, Py.ToLong(a));
                break;
            case "/":
                if (Py.IsNumber(a) && Py.IsNumber(b))
                {
                    double d = Py.ToDouble(b);
                    if (d == 0) throw new JinjaRuntimeError("division by zero");
                    return Py.ToDouble(a) / d;
                }
                break;
            case "//":
                if (Py.IsNumber(a) && Py.IsNumber(b))
                {
                    if (Py.ToDouble(b) == 0) throw new JinjaRuntimeError("integer division or modulo by zero");
                    if (a is double || b is double) return Math.Floor(Py.ToDouble(a) / Py.ToDouble(b));
                    long x = Py.ToLong(a), y = Py.ToLong(b);
                    long q = x / y;
                    if ((x % y != 0) && ((x < 0) != (y < 0))) q--;
                    return q;
                }
                break;
            case "%":
                if (Py.IsNumber(a) && Py.IsNumber(b))
                {
                    if (Py.ToDouble(b) == 0) throw new JinjaRuntimeError("integer division or modulo by zero");
                    if (a is double || b is double)
                    {
                        double x = Py.ToDouble(a), y = Py.ToDouble(b);
                        double r = x % y;
                        return r != 0 && (r < 0) != (y < 0) ? r + y : r;
                    }
                    long xi = Py.ToLong(a), yi = Py.ToLong(b);
                    long ri = xi % yi;
                    return ri != 0 && (ri < 0) != (yi < 0) ? ri + yi : ri;
                }
                if (a is string) throw new JinjaRuntimeError("printf-style string formatting ('%' on a string) is not supported");
                break;
            case "**":
                if (Py.IsNumber(a) && Py.IsNumber(b))
                {
                    if (a is double || b is double || Py.ToLong(b) < 0) return Math.Pow(Py.ToDouble(a), Py.ToDouble(b));
                    return IntegerPower(Py.ToLong(a), Py.ToLong(b));
                }
                break;
        }
        throw new JinjaRuntimeError($"unsupported operand type(s) for {op}: '{Py.TypeName(a)}' and '{Py.TypeName(b)}'");
    }

    private static object Arith(object? a, object? b, Func<long, long, long> onLong, Func<double, double, double> onDouble)
    {
        if (a is double || b is double) return onDouble(Py.ToDouble(a), Py.ToDouble(b));
        try
        {
            return onLong(Py.ToLong(a), Py.ToLong(b));
        }
        catch (OverflowException)
        {
            throw new JinjaRuntimeError("integer overflow");
        }
    }

    private static string Repeat(string s, long n)
    {
        if (n <= 0 || s.Length == 0) return "";
        // Refused before allocating: 'a' * 1500000000 must not reach string.Concat.
        JinjaLimits.CheckLength(n > JinjaLimits.MaxValueLength ? n : s.Length * n, "string repetition");
        return new StringBuilder(s.Length * (int)n).Insert(0, s, (int)n).ToString();
    }

    private static List<object?> RepeatList(List<object?> items, long n)
    {
        if (n <= 0 || items.Count == 0) return [];
        JinjaLimits.CheckItems(n > JinjaLimits.MaxItems ? n : items.Count * n, "list repetition");
        var result = new List<object?>(items.Count * (int)n);
        for (long k = 0; k < n; k++) result.AddRange(items);
        return result;
    }

    /// <summary>base ** exponent by squaring: 1 ** 10^18 must not loop 10^18 times.</summary>
    private static long IntegerPower(long baseValue, long exponent)
    {
        long result = 1;
        try
        {
            while (exponent > 0)
            {
                if ((exponent & 1) == 1) result = checked(result * baseValue);
                exponent >>= 1;
                if (exponent > 0) baseValue = checked(baseValue * baseValue);
            }
        }
        catch (OverflowException)
        {
            throw new JinjaRuntimeError("integer overflow");
        }
        return result;
    }

    /// <summary>Python's "item in container".</summary>
    public static bool Contains(object? container, object? item)
    {
        switch (container)
        {
            case string s:
                if (item is string sub) return s.Contains(sub, StringComparison.Ordinal);
                if (item is Undefined u) throw u.Fail();
                throw new JinjaRuntimeError($"'in <string>' requires string as left operand, not {Py.TypeName(item)}");
            case List<object?> l: return l.Any(x => Py.Equals(x, item));
            case JinjaTuple t: return t.Items.Any(x => Py.Equals(x, item));
            case JinjaDict d: return item is not null && d.ContainsKey(item);
            case Undefined: return false; // Jinja's Undefined iterates as empty
            default: throw new JinjaRuntimeError($"argument of type '{Py.TypeName(container)}' is not iterable");
        }
    }

    /// <summary>obj.name: Jinja tries the Python attribute first, then the item.</summary>
    public static object? GetAttr(object? obj, string name)
    {
        switch (obj)
        {
            case Undefined u: throw u.Fail();
            case JinjaNamespace ns:
                return ns.Attributes.TryGetValue(name, out var nv) ? nv : new Undefined($"'Namespace' has no attribute '{name}'");
            case LoopContext loop:
                return loop.Get(name);
        }
        if (JinjaMethods.TryBind(obj, name, out var method)) return method;
        if (obj is JinjaDict d)
            return d.TryGet(name, out var v) ? v : new Undefined($"'dict object' has no attribute '{name}'");
        return new Undefined($"'{Describe(obj)}' has no attribute '{name}'");
    }

    /// <summary>obj[key]: the item first, then (for string keys) the attribute.</summary>
    public static object? GetItem(object? obj, object? key)
    {
        switch (obj)
        {
            case Undefined u: throw u.Fail();
            case JinjaDict d:
                if (key is not null and not Undefined && d.TryGet(key, out var v)) return v;
                break;
            case string s when key is long or bool:
            {
                if (s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
                {
                    // No surrogates: code points are chars; message[0] must not build a list per access.
                    int at = NormalizeIndex(Py.ToLong(key), s.Length);
                    return at >= 0 ? s[at].ToString() : new Undefined($"'str object' has no element {Py.Repr(key)}");
                }
                var cps = Py.CodePoints(s);
                int i = NormalizeIndex(Py.ToLong(key), cps.Count);
                return i >= 0 ? cps[i] : new Undefined($"'str object' has no element {Py.Repr(key)}");
            }
            default:
                var seq = Py.AsSequence(obj);
                if (seq is not null && key is long or bool)
                {
                    int i = NormalizeIndex(Py.ToLong(key), seq.Count);
                    return i >= 0 ? seq[i] : new Undefined($"'{Describe(obj)}' has no element {Py.Repr(key)}");
                }
                break;
        }
        if (key is string name) return GetAttr(obj, name);
        return new Undefined($"'{Describe(obj)}' has no element {Py.Repr(key)}");
    }

    private static int NormalizeIndex(long index, int count)
    {
        if (index < 0) index += count;
        return index >= 0 && index < count ? (int)index : -1;
    }

    public static object? Slice(object? obj, object? start, object? stop, object? step)
    {
        if (obj is Undefined u) throw u.Fail();
        long stepValue = step is null or Undefined ? 1 : Py.ToLong(step);
        if (stepValue == 0) throw new JinjaRuntimeError("slice step cannot be zero");
        List<object?> items = obj switch
        {
            string s => Py.CodePoints(s).Cast<object?>().ToList(),
            _ => Py.AsSequence(obj) ?? throw new JinjaRuntimeError($"'{Py.TypeName(obj)}' object is not subscriptable"),
        };
        int n = items.Count;
        long Bound(object? v, long defaultValue, bool isStart)
        {
            if (v is null or Undefined) return defaultValue;
            long x = Py.ToLong(v);
            if (x < 0) x += n;
            if (stepValue > 0) return Math.Clamp(x, 0, n);
            return Math.Clamp(x, -1, n - 1);
        }
        long lo = Bound(start, stepValue > 0 ? 0 : n - 1, true);
        long hi = Bound(stop, stepValue > 0 ? n : -1, false);
        var result = new List<object?>();
        if (stepValue > 0) for (long i = lo; i < hi; i += stepValue) result.Add(items[(int)i]);
        else for (long i = lo; i > hi; i += stepValue) result.Add(items[(int)i]);
        return obj switch
        {
            string => string.Concat(result.Cast<string>()),
            JinjaTuple => new JinjaTuple(result),
            _ => result,
        };
    }

    private static string Describe(object? obj) => obj switch
    {
        null => "None",
        string => "str object",
        List<object?> => "list object",
        JinjaTuple => "tuple object",
        _ => Py.TypeName(obj) + " object",
    };
}
