using ReasonFlux.Recipes.Options;
using ReasonFlux.Recipes.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ReasonFlux.Recipes.Loading;

/// <summary>
/// Applies <c>--set a.b.c=value</c> overrides to the YAML tree before binding, so an override is checked by
/// exactly the same rules as the file (types, ranges, cross-field checks). Paths are validated against the
/// schema first: an unknown path is an error with a did-you-mean. In a pipeline recipe a stage is addressed
/// as <c>stages.NAME.key</c>, <c>stages.INDEX.key</c> or just <c>NAME.key</c>.
/// </summary>
internal static class RecipeOverrides
{
    public static void Apply(YamlMappingNode root, IReadOnlyList<string> overrides, YamlSources sources, List<RecipeError> errors)
    {
        foreach (var arg in overrides)
        {
            var source = $"--set {arg}";
            var error = ApplyOne(root, arg, source, sources);
            if (error is not null) errors.Add(new RecipeError(new SourceLocation(source, 0, 0), "", error));
        }
    }

    private static string? ApplyOne(YamlMappingNode root, string arg, string source, YamlSources sources)
    {
        int eq = arg.IndexOf('=');
        if (eq <= 0) return "expected KEY=VALUE, e.g. --set rollout.group_size=8";
        var segments = arg[..eq].Trim().Split('.');
        if (segments.Any(s => s.Length == 0)) return $"\"{arg[..eq]}\" has an empty key segment";
        YamlNode value;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(arg[(eq + 1)..]));
            value = stream.Documents.Count == 0 ? new YamlScalarNode("") { Style = ScalarStyle.Plain } : stream.Documents[0].RootNode;
        }
        catch (YamlException e)
        {
            return $"the value is not valid YAML: {e.Message}";
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // As in RecipeLoader: YamlDotNet throws these on some malformed values (NULs around a broken key; tests/fuzz).
            return $"the value is not valid YAML: the YAML parser gave up ({e.Message})";
        }
        sources.MarkOverride(value, source);

        var headerKeys = SchemaProperty.For(typeof(RecipeHeader)).Select(p => p.Name).ToList();
        // Run-level keys (run_name, distributed.timeout_s) live at the top of the file in both recipe forms.
        if (headerKeys.Contains(segments[0]))
            return SetPath(root, typeof(RecipeHeader), segments, value, sources, source, stageType: null);

        bool pipeline = Find(root, RecipeBinder.StagesKey) is not null;
        var stages = pipeline
            ? (Find(root, RecipeBinder.StagesKey) as YamlSequenceNode)?.Children.OfType<YamlMappingNode>().ToList() ?? []
            : [root];
        var names = stages.Select(StageName).ToList();

        YamlMappingNode stage;
        string[] rest;
        if (segments[0] == RecipeBinder.StagesKey && segments.Length >= 2)
        {
            int index = int.TryParse(segments[1], out var i) ? i : names.IndexOf(segments[1]);
            if (index < 0 || index >= stages.Count)
                return $"no stage \"{segments[1]}\"{DidYouMean(segments[1], names)} (stages: {string.Join(", ", names)}; or an index 0..{stages.Count - 1})";
            stage = stages[index];
            rest = segments[2..];
        }
        else if (pipeline)
        {
            int index = names.IndexOf(segments[0]);
            if (index < 0)
                return $"unknown key \"{segments[0]}\"{DidYouMean(segments[0], headerKeys.Concat(names).Append(RecipeBinder.StagesKey))}; in a pipeline recipe address a stage as stages.NAME.key or NAME.key (stages: {string.Join(", ", names)})";
            stage = stages[index];
            rest = segments[1..];
        }
        else
        {
            stage = root;
            rest = segments[0] == names[0] && segments.Length > 1 && StageType(stage) is { } t && SchemaProperty.For(t).All(p => p.Name != segments[0])
                ? segments[1..] : segments;
        }

        if (rest.Length == 0) return "names a stage, not a key; add the key, e.g. stages.grpo.rollout.group_size=8";
        if (rest[0] == RecipeBinder.KindKey) return "a stage's kind cannot be changed with --set";
        var type = StageType(stage);
        if (type is null) return null; // the binder reports the bad kind with its location

        return SetPath(stage, type, rest, value, sources, source, type);
    }

    /// <summary>Walks <paramref name="rest"/> through the schema of <paramref name="type"/>, creating sections as needed, and sets the value.</summary>
    private static string? SetPath(YamlMappingNode map, Type type, string[] rest, YamlNode value, YamlSources sources, string source, Type? stageType)
    {
        for (int i = 0; i < rest.Length; i++)
        {
            var props = SchemaProperty.For(type);
            var prop = props.FirstOrDefault(p => p.Name == rest[i]);
            var here = string.Join('.', rest[..i]);
            if (prop is null)
            {
                var suggestion = KeySuggester.Suggest(rest[i], props.Select(p => p.Name));
                var full = string.Join('.', rest[..(i + 1)]);
                var hint = suggestion is not null ? $"; did you mean \"{(here.Length > 0 ? here + "." : "")}{suggestion}\"?" : "";
                if (hint.Length == 0 && stageType is not null)
                {
                    var elsewhere = RecipeBinder.SchemaPaths(stageType, "").Where(p => p == rest[^1] || p.EndsWith("." + rest[^1])).ToList();
                    if (elsewhere.Count > 0) hint = $"; did you mean {string.Join(" or ", elsewhere)}?";
                }
                return $"unknown key \"{full}\"{hint}";
            }
            if (i == rest.Length - 1)
            {
                Set(map, rest[i], value, sources, source);
                return null;
            }
            if (prop.Kind != SchemaValueKind.Section)
                return $"\"{string.Join('.', rest[..(i + 1)])}\" holds a value ({prop.Describe()}), not a section of keys";
            if (Find(map, rest[i]) is not YamlMappingNode child || RecipeBinder.IsNull(child))
            {
                child = new YamlMappingNode();
                Set(map, rest[i], child, sources, source);
            }
            map = child;
            type = prop.ValueType;
        }
        return null;
    }

    private static void Set(YamlMappingNode map, string key, YamlNode value, YamlSources sources, string source)
    {
        var existing = map.Children.Keys.FirstOrDefault(k => k is YamlScalarNode s && s.Value == key);
        if (existing is not null) map.Children[existing] = value;
        else
        {
            var keyNode = new YamlScalarNode(key);
            sources.MarkOverride(keyNode, source);
            map.Children.Add(keyNode, value);
        }
        sources.MarkOverride(value, source);
    }

    private static Type? StageType(YamlMappingNode stage) =>
        Find(stage, RecipeBinder.KindKey) is YamlScalarNode { Value: { } k } && SchemaNames.ParseEnum(typeof(StageKind), k) is StageKind kind
            ? StageOptions.TypeOf(kind) : null;

    private static string StageName(YamlMappingNode stage) =>
        (Find(stage, "name") as YamlScalarNode)?.Value is { Length: > 0 } n ? n
        : (Find(stage, RecipeBinder.KindKey) as YamlScalarNode)?.Value ?? "";

    private static string DidYouMean(string name, IEnumerable<string> candidates) =>
        KeySuggester.Suggest(name, candidates) is { } s ? $"; did you mean \"{s}\"?" : "";

    private static YamlNode? Find(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode s && s.Value == key).Value;
}
