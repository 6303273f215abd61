using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Recipes.Loading;

/// <summary>
/// Writes a recipe back as YAML with every key explicit (defaults filled in, overrides applied, stage
/// references expanded). This is the <c>recipe.yaml</c> kept in the run folder and what --dry-run prints;
/// loading it again gives an equal recipe.
/// </summary>
public static class RecipeWriter
{
    private static readonly JsonSerializerOptions StringOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Write(Recipe recipe)
    {
        var sb = new StringBuilder();
        sb.Append("# Resolved from ").Append(recipe.SourcePath).Append(": every key explicit, overrides applied.\n");
        WriteRecord(sb, typeof(RecipeHeader), recipe.Header, 0);
        sb.Append("stages:\n");
        foreach (var stage in recipe.Stages)
        {
            sb.Append("  - kind: ").Append(SchemaNames.EnumName(stage.Kind)).Append('\n');
            WriteRecord(sb, stage.GetType(), stage, 4);
        }
        return sb.ToString();
    }

    /// <summary>Writes the keys of one options record at the given indentation.</summary>
    public static void WriteRecord(StringBuilder sb, Type type, object record, int indent)
    {
        foreach (var prop in SchemaProperty.For(type))
        {
            var value = prop.Property.GetValue(record);
            sb.Append(' ', indent).Append(prop.Name).Append(':');
            if (prop.Kind == SchemaValueKind.Section && value is not null)
            {
                sb.Append('\n');
                WriteRecord(sb, prop.ValueType, value, indent + 2);
            }
            else if (prop.Kind == SchemaValueKind.SectionList && value is System.Collections.IEnumerable items)
            {
                // Flow style, every key explicit: [{name: "format", weight: 0.1}, ...].
                var written = items.Cast<object>().Select(item =>
                    "{" + string.Join(", ", SchemaProperty.For(prop.ElementType!).Select(p => $"{p.Name}: {FormatScalar(p.Property.GetValue(item))}")) + "}");
                sb.Append(" [").Append(string.Join(", ", written)).Append("]\n");
            }
            else if (prop.Kind == SchemaValueKind.StringList && value is IReadOnlyList<string> list)
            {
                sb.Append(" [").Append(string.Join(", ", list.Select(Quote))).Append("]\n");
            }
            else sb.Append(' ').Append(FormatScalar(value)).Append('\n');
        }
    }

    /// <summary>A scalar as the binder reads it back: numbers plain, strings double-quoted, null as null.</summary>
    public static string FormatScalar(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        string s => Quote(s),
        Enum e => SchemaNames.EnumName(e),
        IReadOnlyList<string> list => "[" + string.Join(", ", list.Select(Quote)) + "]",
        _ => throw new NotSupportedException(value.GetType().Name),
    };

    // A JSON string is a valid YAML double-quoted scalar with the same meaning.
    private static string Quote(string s) => JsonSerializer.Serialize(s, StringOptions);
}
