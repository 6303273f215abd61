namespace ReasonFlux.Tokenizers.Templates;

/// <summary>Jinja2's builtin tests ("x is defined", "x is none", "x is string", ...).</summary>
internal static class JinjaTests
{
    private static readonly HashSet<string> Known =
    [
        "defined", "undefined", "none", "boolean", "false", "true", "integer", "float", "number", "string",
        "mapping", "iterable", "sequence", "callable", "sameas", "even", "odd", "divisibleby",
        "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=",
        "in", "lower", "upper",
    ];

    public static bool IsKnown(string name) => Known.Contains(name);

    public static bool Apply(string name, object? v, List<object?> args)
    {
        object? Arg0() => args.Count > 0 ? args[0] : throw new JinjaRuntimeError($"test '{name}' needs an argument");
        switch (name)
        {
            case "defined": return v is not Undefined;
            case "undefined": return v is Undefined;
            case "none": return v is null;
            case "boolean": return v is bool;
            case "false": return v is false;
            case "true": return v is true;
            case "integer": return v is long;
            case "float": return v is double;
            case "number": return v is long or double or bool;
            case "string": return v is string;
            case "mapping": return v is JinjaDict;
            case "iterable": return v is string or List<object?> or JinjaTuple or JinjaDict or Undefined;
            case "sequence": return v is string or List<object?> or JinjaTuple or JinjaDict;
            case "callable": return v is JinjaFunction;
            case "sameas":
            {
                var other = Arg0();
                return v is null ? other is null : v is bool b ? other is bool ob && b == ob : ReferenceEquals(v, other);
            }
            case "even": return Py.ToLong(v) % 2 == 0;
            case "odd": return Py.ToLong(v) % 2 != 0;
            case "divisibleby": return Py.ToLong(v) % Py.ToLong(Arg0()) == 0;
            case "eq": case "equalto": case "==": return Py.Equals(v, Arg0());
            case "ne": case "!=": return !Py.Equals(v, Arg0());
            case "lt": case "lessthan": case "<": return Py.Compare(v, Arg0(), "<") < 0;
            case "le": case "<=": return Py.Compare(v, Arg0(), "<=") <= 0;
            case "gt": case "greaterthan": case ">": return Py.Compare(v, Arg0(), ">") > 0;
            case "ge": case ">=": return Py.Compare(v, Arg0(), ">=") >= 0;
            case "in": return JinjaOperators.Contains(Arg0(), v);
            case "lower": return Py.Str(v) == Py.Str(v).ToLowerInvariant();
            case "upper": return Py.Str(v) == Py.Str(v).ToUpperInvariant();
        }
        throw new JinjaRuntimeError($"unknown test '{name}'");
    }
}
