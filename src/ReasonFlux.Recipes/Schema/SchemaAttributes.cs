namespace ReasonFlux.Recipes.Schema;

/// <summary>Human description of a recipe key; goes into recipes/REFERENCE.md and error messages.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Class)]
public sealed class DocAttribute(string text) : Attribute
{
    public string Text { get; } = text;
}

/// <summary>Overrides the YAML key name (default: the property name in snake_case).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class KeyAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>Overrides the YAML spelling of an enum member (default: the member name in kebab-case).</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class EnumValueAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>The key must be present (a string key must also be non-empty).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RequiredAttribute : Attribute;

/// <summary>Excludes a property from the recipe schema.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotAKeyAttribute : Attribute;

/// <summary>Allowed numeric range (inclusive unless the Exclusive flags say otherwise).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ValueRangeAttribute(double min, double max) : Attribute
{
    public double Min { get; } = min;
    public double Max { get; } = max;
    public bool MinExclusive { get; init; }
    public bool MaxExclusive { get; init; }

    /// <summary>"[0, 1]", "(0, 10]", "≥ 1"...</summary>
    public string Describe()
    {
        if (double.IsPositiveInfinity(Max)) return (MinExclusive ? "> " : "≥ ") + Num(Min);
        return (MinExclusive ? "(" : "[") + Num(Min) + ", " + Num(Max) + (MaxExclusive ? ")" : "]");
    }

    public bool Contains(double v) =>
        (MinExclusive ? v > Min : v >= Min) && (MaxExclusive ? v < Max : v <= Max);

    private static string Num(double v) => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>What a path-valued key points at, for the file-existence check.</summary>
public enum PathKind
{
    /// <summary>A file that must exist.</summary>
    File,
    /// <summary>A folder that must exist.</summary>
    Directory,
    /// <summary>A model folder that must exist, or <c>builtin:NAME</c> for a model embedded in reasonflux.</summary>
    Model,
}

/// <summary>Marks a string key as a path that must exist before a run starts (checked by <see cref="Loading.RecipeFileCheck"/>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PathAttribute(PathKind kind) : Attribute
{
    public PathKind Kind { get; } = kind;
}
