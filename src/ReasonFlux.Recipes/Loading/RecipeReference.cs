using System.Text;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Recipes.Loading;

/// <summary>
/// Generates recipes/REFERENCE.md from the option records: every key with its type, range, default and
/// meaning. The defaults are the records' property initialisers, so this document cannot drift from code
/// (a test compares the checked-in file with this output).
/// </summary>
public static class RecipeReference
{
    public static string Markdown()
    {
        var sb = new StringBuilder();
        sb.Append("# Recipe reference\n\n");
        sb.Append("Generated from the option records in `src/ReasonFlux.Recipes/Options` (`RecipeReference.Markdown()`); do not edit by hand.\n");
        sb.Append("Regenerate with `REASONFLUX_UPDATE_REFERENCE=1 dotnet test tests/ReasonFlux.Recipes.Tests`.\n\n");
        sb.Append("A recipe is either a pipeline (`stages:` list) or a single stage (a `kind:` key at the top level).\n");
        sb.Append("Keys are snake_case, enum values kebab-case. Any key can be overridden with `--set KEY=VALUE`\n");
        sb.Append("(`stages.NAME.KEY`, `stages.INDEX.KEY` or `NAME.KEY` in a pipeline; `KEY` in a single-stage recipe).\n");
        sb.Append("A string value may contain `${stages.NAME.output}`: the output folder of an earlier stage\n");
        sb.Append("(`OUTPUT_DIR/RUN_NAME/NAME/output`). Relative paths resolve against the working directory.\n\n");
        sb.Append("## Run keys\n\n");
        Table(sb, typeof(RecipeHeader), new RecipeHeader(), "");
        foreach (var kind in Enum.GetValues<StageKind>())
        {
            var type = StageOptions.TypeOf(kind);
            sb.Append($"\n## kind: {SchemaNames.EnumName(kind)} ({type.Name})\n\n");
            sb.Append($"Output folder: {StageOptions.OutputDescription(kind)}.\n\n");
            Table(sb, type, Activator.CreateInstance(type)!, "");
        }
        return sb.ToString();
    }

    private static void Table(StringBuilder sb, Type type, object defaults, string prefix)
    {
        if (prefix.Length == 0)
        {
            sb.Append("| key | type | default | meaning |\n|---|---|---|---|\n");
        }
        foreach (var prop in SchemaProperty.For(type))
        {
            var value = prop.Property.GetValue(defaults);
            if (prop.Kind == SchemaValueKind.Section && value is not null)
            {
                Table(sb, prop.ValueType, value, prefix + prop.Name + ".");
                continue;
            }
            var shown = prop.IsRequired ? "**required**"
                : prop.Kind == SchemaValueKind.SectionList ? "`[]`"
                : "`" + RecipeWriter.FormatScalar(value).Replace("|", "\\|") + "`";
            if (prop.Name == "name" && prefix.Length == 0 && defaults is StageOptions) shown = "the kind";
            if (prop.Name == "run_name") shown = "recipe file name";
            sb.Append($"| `{prefix}{prop.Name}` | {prop.Describe().Replace("|", "\\|")} | {shown} | {prop.Doc.Replace("|", "\\|")} |\n");
            // The keys of each item, as `list[].key`.
            if (prop.ElementType is { } element) Table(sb, element, Activator.CreateInstance(element)!, prefix + prop.Name + "[].");
        }
    }
}
