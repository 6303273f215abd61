using System.Collections.Concurrent;
using System.Reflection;
using System.Text;

namespace ReasonFlux.Recipes.Schema;

/// <summary>The YAML shapes the binder knows.</summary>
public enum SchemaValueKind { Integer, Float, Boolean, String, Enum, StringList, Section, SectionList }

/// <summary>
/// One key of an options record, read by reflection: its YAML name, value kind, range, doc and path role.
/// Defaults are the record's property initialisers, so they live in exactly one place.
/// </summary>
public sealed class SchemaProperty
{
    private SchemaProperty(PropertyInfo property)
    {
        Property = property;
        Name = property.GetCustomAttribute<KeyAttribute>()?.Name ?? SchemaNames.ToSnakeCase(property.Name);
        var type = property.PropertyType;
        var underlying = Nullable.GetUnderlyingType(type);
        IsNullable = underlying is not null || new NullabilityInfoContext().Create(property).WriteState == NullabilityState.Nullable;
        ValueType = underlying ?? type;
        Kind = KindOf(ValueType, property);
        Range = property.GetCustomAttribute<ValueRangeAttribute>();
        Doc = property.GetCustomAttribute<DocAttribute>()?.Text ?? "";
        IsRequired = property.GetCustomAttribute<RequiredAttribute>() is not null;
        PathKind = property.GetCustomAttribute<PathAttribute>()?.Kind;
    }

    public PropertyInfo Property { get; }
    /// <summary>YAML key.</summary>
    public string Name { get; }
    /// <summary>The property type with any Nullable&lt;T&gt; removed.</summary>
    public Type ValueType { get; }
    public SchemaValueKind Kind { get; }
    /// <summary>null is an accepted value (written <c>null</c> or <c>~</c>).</summary>
    public bool IsNullable { get; }
    public bool IsRequired { get; }
    public ValueRangeAttribute? Range { get; }
    public string Doc { get; }
    /// <summary>Set for keys whose value is a path checked by the file-existence step.</summary>
    public PathKind? PathKind { get; }

    /// <summary>For a list of mappings (IReadOnlyList&lt;TRecord&gt;), the record type of its items.</summary>
    public Type? ElementType => Kind == SchemaValueKind.SectionList ? ListElementType(ValueType) : null;

    private static Type? ListElementType(Type t) =>
        t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) ? t.GetGenericArguments()[0] : null;

    /// <summary>The allowed YAML spellings of an enum key, in declaration order.</summary>
    public IReadOnlyList<string> EnumNames => Kind == SchemaValueKind.Enum ? SchemaNames.EnumNames(ValueType) : [];

    /// <summary>"integer ≥ 1", "one of token|sequence|dapo", ... for messages and the reference doc.</summary>
    public string Describe()
    {
        var sb = new StringBuilder(Kind switch
        {
            SchemaValueKind.Integer => "integer",
            SchemaValueKind.Float => "number",
            SchemaValueKind.Boolean => "true|false",
            SchemaValueKind.String => PathKind is null ? "string" : "path",
            SchemaValueKind.Enum => string.Join("|", EnumNames),
            SchemaValueKind.StringList => "list of strings",
            SchemaValueKind.SectionList => "list of mappings",
            _ => "section",
        });
        if (Range is not null) sb.Append(' ').Append(Range.Describe());
        if (IsNullable) sb.Append(" or null");
        return sb.ToString();
    }

    private static readonly ConcurrentDictionary<Type, IReadOnlyList<SchemaProperty>> Cache = new();

    /// <summary>The recipe keys of an options record type, in declaration order.</summary>
    public static IReadOnlyList<SchemaProperty> For(Type type) => Cache.GetOrAdd(type, t =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetCustomAttribute<NotAKeyAttribute>() is null && p.Name != "EqualityContract")
            .OrderBy(p => Depth(p.DeclaringType!))
            .ThenBy(p => p.MetadataToken)
            .Select(p => new SchemaProperty(p))
            .ToList());

    // Base-record keys (a stage's name) come before the derived record's own keys.
    private static int Depth(Type t)
    {
        int depth = 0;
        for (var b = t.BaseType; b is not null; b = b.BaseType) depth++;
        return depth;
    }

    private static SchemaValueKind KindOf(Type t, PropertyInfo p)
    {
        if (t == typeof(int) || t == typeof(long)) return SchemaValueKind.Integer;
        if (t == typeof(double)) return SchemaValueKind.Float;
        if (t == typeof(bool)) return SchemaValueKind.Boolean;
        if (t == typeof(string)) return SchemaValueKind.String;
        if (t.IsEnum) return SchemaValueKind.Enum;
        if (t == typeof(IReadOnlyList<string>)) return SchemaValueKind.StringList;
        if (ListElementType(t) is { } element && element.IsClass && element.GetConstructor(Type.EmptyTypes) is not null) return SchemaValueKind.SectionList;
        if (t.IsClass && t.GetConstructor(Type.EmptyTypes) is not null) return SchemaValueKind.Section;
        throw new NotSupportedException($"{p.DeclaringType?.Name}.{p.Name}: type {t.Name} is not supported in recipes");
    }
}

/// <summary>Spelling conventions: snake_case keys, kebab-case enum values.</summary>
public static class SchemaNames
{
    private static readonly ConcurrentDictionary<Type, IReadOnlyList<string>> EnumCache = new();

    /// <summary>GroupSize → group_size; TopP → top_p.</summary>
    public static string ToSnakeCase(string pascal) => Split(pascal, '_');

    /// <summary>The YAML names of an enum's members.</summary>
    public static IReadOnlyList<string> EnumNames(Type enumType) => EnumCache.GetOrAdd(enumType, t =>
        t.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => f.GetCustomAttribute<EnumValueAttribute>()?.Name ?? Split(f.Name, '-'))
            .ToList());

    /// <summary>The YAML name of one enum value.</summary>
    public static string EnumName(object value)
    {
        var t = value.GetType();
        var fields = t.GetFields(BindingFlags.Public | BindingFlags.Static);
        int i = Array.FindIndex(fields, f => Equals(f.GetValue(null), value));
        return EnumNames(t)[i];
    }

    /// <summary>Parses a YAML enum spelling; null when it names no member.</summary>
    public static object? ParseEnum(Type enumType, string text)
    {
        var names = EnumNames(enumType);
        var fields = enumType.GetFields(BindingFlags.Public | BindingFlags.Static);
        for (int i = 0; i < names.Count; i++)
            if (names[i] == text) return fields[i].GetValue(null);
        return null;
    }

    private static string Split(string pascal, char separator)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < pascal.Length; i++)
        {
            char c = pascal[i];
            if (char.IsUpper(c))
            {
                bool boundary = i > 0 && (char.IsLower(pascal[i - 1]) || char.IsDigit(pascal[i - 1])
                    || (i + 1 < pascal.Length && char.IsLower(pascal[i + 1]) && char.IsUpper(pascal[i - 1])));
                if (boundary) sb.Append(separator);
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
