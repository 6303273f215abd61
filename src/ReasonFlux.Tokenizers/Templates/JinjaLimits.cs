using System.Runtime.CompilerServices;
using System.Text;

namespace ReasonFlux.Tokenizers.Templates;

/// <summary>
/// Bounds that keep a hostile chat template (templates arrive inside any downloaded tokenizer_config.json)
/// from taking the process down: nesting depth (a StackOverflow cannot be caught), loop work (a hang), and
/// the size of the values it builds (string repetition and list doubling allocate without bound). Every
/// limit ends in a <see cref="JinjaException"/> naming the limit and the template position. The figures
/// are far above what real chat templates use (a few levels of nesting, thousands of steps per message).
/// </summary>
internal static class JinjaLimits
{
    /// <summary>Nesting of blocks and sub-expressions the parser accepts (Python's Jinja2 fails near 100 parentheses).</summary>
    public const int MaxParseNesting = 200;

    /// <summary>Depth of nested expression evaluation and statement bodies (left-nested filter or operator chains count).</summary>
    public const int MaxEvaluationDepth = 500;

    /// <summary>Statements executed, expressions evaluated and loop iterations in one render (about a second of work).</summary>
    public const long MaxSteps = 2_000_000;

    /// <summary>Characters of one string value.</summary>
    public const int MaxValueLength = 16 * 1024 * 1024;

    /// <summary>Items of one list, tuple or dict (range() has the same cap).</summary>
    public const int MaxItems = 1_000_000;

    /// <summary>Characters and list items built or scanned by operations in one render (bounds memory and time spent on big values).</summary>
    public const long MaxMemoryUnits = 64L * 1024 * 1024;

    /// <summary>Refuses a value of <paramref name="length"/> characters/items before it is built.</summary>
    public static void CheckLength(long length, string what)
    {
        if (length > MaxValueLength)
            throw new JinjaRuntimeError($"{what} would build a string of {length} characters; a template string is limited to {MaxValueLength}");
    }

    /// <summary>Refuses a list of <paramref name="count"/> items before it is built.</summary>
    public static void CheckItems(long count, string what)
    {
        if (count > MaxItems)
            throw new JinjaRuntimeError($"{what} would build a list of {count} items; a template list is limited to {MaxItems}");
    }

    /// <summary>Refuses a built value over its size limit (strings by characters, containers by items).</summary>
    public static void CheckValue(object? value, string what)
    {
        if (value is string s) CheckLength(s.Length, what);
        else CheckItems(JinjaBudget.SizeOf(value), what);
    }

    /// <summary>string.Join that refuses to build more than <see cref="MaxValueLength"/> characters.</summary>
    public static string Join(string separator, IEnumerable<string> parts, string what)
    {
        var sb = new StringBuilder();
        bool first = true;
        foreach (var part in parts)
        {
            if (!first) sb.Append(separator);
            first = false;
            CheckLength((long)sb.Length + part.Length, what);
            sb.Append(part);
        }
        return sb.ToString();
    }

    /// <summary>Nesting of lists and dicts that repr, ==, ordering and tojson walk (recursively).</summary>
    public const int MaxValueNesting = 200;

    /// <summary>
    /// Refuses a value nested deeper than <see cref="MaxValueNesting"/>: a list nested 10^5 deep can be built
    /// in a loop without deep template nesting, and repr/==/tojson recurse over it.
    /// </summary>
    public static void CheckValueNesting(int depth)
    {
        if (depth > MaxValueNesting) throw new JinjaRuntimeError($"template value is nested too deeply (more than {MaxValueNesting} levels)");
        EnsureStack();
    }

    /// <summary>
    /// Backstop for the functions that recurse over values (repr, ==, ordering, tojson): a list nested 10^5 deep
    /// can be built in a loop without deep template nesting.
    /// </summary>
    public static void EnsureStack()
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw new JinjaRuntimeError("template value is nested too deeply");
    }
}

/// <summary>The step, memory and depth counters of one render, checked against <see cref="JinjaLimits"/>.</summary>
internal sealed class JinjaBudget
{
    private long _steps;
    private long _memory;
    private int _depth;

    public void Step()
    {
        if (++_steps > JinjaLimits.MaxSteps)
            throw new JinjaRuntimeError($"template exceeded its step budget of {JinjaLimits.MaxSteps} steps (loops doing too much work)");
    }

    public void Charge(long units)
    {
        _memory += units;
        if (_memory > JinjaLimits.MaxMemoryUnits)
            throw new JinjaRuntimeError($"template exceeded its memory budget of {JinjaLimits.MaxMemoryUnits} characters or list items built or scanned");
    }

    public void Enter()
    {
        if (++_depth > JinjaLimits.MaxEvaluationDepth)
            throw new JinjaRuntimeError($"template nesting exceeds {JinjaLimits.MaxEvaluationDepth} levels");
        JinjaLimits.EnsureStack();
    }

    public void Exit() => _depth--;

    /// <summary>The size a value counts for: characters of a string, items of a container.</summary>
    public static long SizeOf(object? v) => v switch
    {
        string s => s.Length,
        List<object?> l => l.Count,
        JinjaTuple t => t.Items.Count,
        JinjaDict d => d.Count,
        _ => 0,
    };
}
