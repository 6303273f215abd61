using System.Globalization;
using System.Text.RegularExpressions;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Recipes.Schema;
using YamlDotNet.RepresentationModel;

namespace ReasonFlux.Recipes.Loading;

/// <summary>
/// Turns the YAML tree into typed option records, collecting every error with its file:line:column.
/// Strict: unknown keys, wrong types (a quoted "8" is not an integer), nulls where not allowed and values
/// outside the declared range are all errors.
/// </summary>
internal sealed partial class RecipeBinder
{
    /// <summary>Top-level keys other than the header's.</summary>
    public const string StagesKey = "stages";
    public const string KindKey = "kind";

    private readonly YamlSources _sources;
    private readonly List<RecipeError> _errors = [];
    private readonly Dictionary<string, SourceLocation> _locations = [];
    private readonly HashSet<string> _produced = [];
    private RecipeHeader _header = new();
    private readonly List<string> _earlierStages = [];

    public RecipeBinder(YamlSources sources) => _sources = sources;

    public IReadOnlyList<RecipeError> Errors => _errors;

    public Recipe Bind(YamlNode root, string defaultRunName)
    {
        if (root is not YamlMappingNode map)
        {
            Error(root, "", $"a recipe must be a mapping (run_name, stages: [...], or a single stage with kind:), got {Describe(root)}");
            return Finish([]);
        }

        bool pipeline = Find(map, StagesKey) is not null;
        var headerKeys = SchemaProperty.For(typeof(RecipeHeader)).Select(p => p.Name).ToHashSet();
        var header = new RecipeHeader { RunName = defaultRunName };
        var headerMap = new YamlMappingNode();
        foreach (var (k, v) in map.Children)
            if (k is YamlScalarNode s && headerKeys.Contains(s.Value ?? "")) headerMap.Children.Add(k, v);
        BindRecord(typeof(RecipeHeader), headerMap, "", header, []);
        _header = header;
        if (!SafeName().IsMatch(header.RunName))
            Error(Find(map, "run_name") ?? map, "run_name", $"\"{header.RunName}\" is not a valid folder name (letters, digits, '.', '_', '-'; starting with a letter or digit)");

        var stages = new List<StageOptions>();
        if (pipeline)
        {
            foreach (var (k, _) in map.Children)
            {
                var key = (k as YamlScalarNode)?.Value ?? "";
                if (key == StagesKey || headerKeys.Contains(key)) continue;
                var suggestion = KeySuggester.Suggest(key, headerKeys.Append(StagesKey));
                var hint = suggestion is not null ? $"; did you mean \"{suggestion}\"?"
                    : StageKeyNames().Contains(key) ? "; stage keys go inside an entry of stages:" : $"; top-level keys are {string.Join(", ", headerKeys.Append(StagesKey))}";
                Error(k, key, $"unknown key \"{key}\"{hint}");
            }
            var list = Find(map, StagesKey)!;
            if (list is not YamlSequenceNode seq || seq.Children.Count == 0)
                Error(list, StagesKey, $"must be a non-empty list of stages, got {Describe(list)}");
            else
                foreach (var item in seq.Children)
                {
                    var stage = BindStage(item, pipeline: true, headerKeys: []);
                    if (stage is not null) stages.Add(stage);
                }
        }
        else
        {
            var stage = BindStage(map, pipeline: false, headerKeys);
            if (stage is not null) stages.Add(stage);
        }
        return Finish(stages);
    }

    private Recipe Finish(List<StageOptions> stages) =>
        new(_sources.File, _header, stages, _locations, _produced);

    private StageOptions? BindStage(YamlNode node, bool pipeline, HashSet<string> headerKeys)
    {
        if (node is not YamlMappingNode map)
        {
            Error(node, StagesKey, $"each stage must be a mapping with kind: ({KindList}), got {Describe(node)}");
            return null;
        }
        var kindNode = Find(map, KindKey);
        if (kindNode is null)
        {
            var hint = pipeline ? "" : " (or put stages in a list under stages:)";
            Error(map, "", $"missing key \"kind\": one of {KindList}{hint}");
            return null;
        }
        if (kindNode is not YamlScalarNode { Value: { } kindText } || SchemaNames.ParseEnum(typeof(StageKind), kindText) is not StageKind kind)
        {
            var text = (kindNode as YamlScalarNode)?.Value ?? Describe(kindNode);
            var suggestion = KeySuggester.Suggest(text, SchemaNames.EnumNames(typeof(StageKind)));
            Error(kindNode, KindKey, $"unknown stage kind \"{text}\"{DidYouMean(suggestion)}; expected one of {KindList}");
            return null;
        }

        var type = StageOptions.TypeOf(kind);
        var name = (Find(map, "name") as YamlScalarNode)?.Value;
        if (string.IsNullOrEmpty(name)) name = kindText;
        string prefix = pipeline ? Recipe.StageKeyPrefix(name) : "";
        _stageTypes[pipeline ? name : ""] = type;
        if (!pipeline) _singleStageName = name;
        if (!SafeName().IsMatch(name))
            Error(Find(map, "name") ?? map, prefix + "name", $"\"{name}\" is not a valid stage name (letters, digits, '.', '_', '-')");
        if (_earlierStages.Contains(name))
            Error(Find(map, "name") ?? kindNode, prefix + "name", $"two stages are named \"{name}\"; give each a distinct name:");
        _locations[Recipe.StageKeyPrefix(name).TrimEnd('.')] = _sources.Of(map);

        var options = (StageOptions)Activator.CreateInstance(type)!;
        var extra = new HashSet<string>(headerKeys) { KindKey };
        BindRecord(type, map, prefix, options, extra);
        if (string.IsNullOrEmpty(options.Name)) typeof(StageOptions).GetProperty(nameof(StageOptions.Name))!.SetValue(options, name);
        _earlierStages.Add(name);
        return options;
    }

    /// <summary>Binds the keys of <paramref name="map"/> onto <paramref name="instance"/> (pre-filled with defaults).</summary>
    private void BindRecord(Type type, YamlMappingNode map, string prefix, object instance, HashSet<string> extraKeys)
    {
        int errorsBefore = _errors.Count;
        var props = SchemaProperty.For(type);
        var seen = new HashSet<string>();
        foreach (var (keyNode, valueNode) in map.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key })
            {
                Error(keyNode, prefix.TrimEnd('.'), $"keys must be plain names, got {Describe(keyNode)}");
                continue;
            }
            if (extraKeys.Contains(key)) continue;
            var prop = props.FirstOrDefault(p => p.Name == key);
            if (prop is null)
            {
                Error(keyNode, prefix + key, UnknownKeyMessage(key, type, props, extraKeys, prefix));
                continue;
            }
            seen.Add(key);
            _locations[Canon(prefix + key)] = _sources.Of(valueNode);
            if (TryConvert(prop, valueNode, prefix + key, prop.Property.GetValue(instance), out var value))
                prop.Property.SetValue(instance, value);
        }
        foreach (var prop in props.Where(p => !seen.Contains(p.Name)))
        {
            if (prop.IsRequired)
                Error(map, prefix + prop.Name, $"missing required key \"{prop.Name}\" ({prop.Doc})");
            else if (prop.Kind == SchemaValueKind.Section && prop.Property.GetValue(instance) is { } section)
                CheckRequiredInDefaults(prop.ValueType, section, prefix + prop.Name + ".", map);
        }
        if (_errors.Count == errorsBefore && instance is IValidatedOptions validated)
        {
            validated.Validate(new OptionsValidation((relative, message) =>
            {
                var path = relative.Length == 0 ? prefix.TrimEnd('.') : prefix + relative;
                var loc = LocationOf(path, map);
                _errors.Add(new RecipeError(loc, path, message));
            }));
        }
    }

    private void CheckRequiredInDefaults(Type type, object instance, string prefix, YamlNode at)
    {
        foreach (var prop in SchemaProperty.For(type))
        {
            if (prop.IsRequired)
                Error(at, prefix + prop.Name, $"missing required key \"{prefix + prop.Name}\" ({prop.Doc})");
            else if (prop.Kind == SchemaValueKind.Section && prop.Property.GetValue(instance) is { } section)
                CheckRequiredInDefaults(prop.ValueType, section, prefix + prop.Name + ".", at);
        }
    }

    private SourceLocation LocationOf(string path, YamlNode fallback)
    {
        for (var p = path; p.Length > 0; p = p.Contains('.') ? p[..p.LastIndexOf('.')] : "")
            if (_locations.TryGetValue(Canon(p), out var loc)) return loc;
        return _sources.Of(fallback);
    }

    private bool TryConvert(SchemaProperty prop, YamlNode node, string path, object? current, out object? value)
    {
        value = null;
        if (IsNull(node))
        {
            if (prop.IsNullable && prop.Kind != SchemaValueKind.Section) return true;
            Error(node, path, $"must not be null; expected {(prop.Kind == SchemaValueKind.Section ? "a mapping of keys" : prop.Describe())}");
            return false;
        }
        if (prop.Kind == SchemaValueKind.Section)
        {
            if (node is not YamlMappingNode sectionMap)
            {
                Error(node, path, $"expected a mapping of keys ({string.Join(", ", SchemaProperty.For(prop.ValueType).Select(p => p.Name))}), got {Describe(node)}");
                return false;
            }
            var instance = current ?? Activator.CreateInstance(prop.ValueType)!;
            int before = _errors.Count;
            BindRecord(prop.ValueType, sectionMap, path + ".", instance, []);
            value = instance;
            return _errors.Count == before;
        }
        if (prop.Kind == SchemaValueKind.SectionList)
        {
            var element = prop.ElementType!;
            if (node is not YamlSequenceNode items || items.Children.Any(c => c is not YamlMappingNode))
            {
                Error(node, path, $"expected a list of mappings ({string.Join(", ", SchemaProperty.For(element).Select(p => p.Name))}), got {Describe(node)}");
                return false;
            }
            var bound = Array.CreateInstance(element, items.Children.Count);
            int before = _errors.Count;
            for (int i = 0; i < items.Children.Count; i++)
            {
                var item = Activator.CreateInstance(element)!;
                _locations[Canon($"{path}[{i}]")] = _sources.Of(items.Children[i]);
                BindRecord(element, (YamlMappingNode)items.Children[i], $"{path}[{i}].", item, []);
                bound.SetValue(item, i);
            }
            value = Activator.CreateInstance(typeof(ValueList<>).MakeGenericType(element), bound);
            return _errors.Count == before;
        }
        if (prop.Kind == SchemaValueKind.StringList)
        {
            if (node is not YamlSequenceNode seq || seq.Children.Any(c => c is not YamlScalarNode))
            {
                Error(node, path, $"expected a list of strings, got {Describe(node)}");
                return false;
            }
            value = new ValueList<string>(seq.Children.Select(c => Interpolate((YamlScalarNode)c, path)));
            return true;
        }
        if (node is not YamlScalarNode scalar)
        {
            Error(node, path, $"expected {prop.Describe()}, got {Describe(node)}");
            return false;
        }
        string text = scalar.Value ?? "";
        bool plain = scalar.Style is YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any;
        switch (prop.Kind)
        {
            case SchemaValueKind.Integer:
                if (!plain || !long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                {
                    Error(node, path, $"expected an integer, got {Describe(node)}");
                    return false;
                }
                if (prop.ValueType == typeof(int) && (l < int.MinValue || l > int.MaxValue))
                {
                    Error(node, path, $"{l} is too large for this key");
                    return false;
                }
                if (!InRange(prop, l, node, path)) return false;
                value = prop.ValueType == typeof(int) ? (object)(int)l : l;
                return true;
            case SchemaValueKind.Float:
                if (!plain || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d))
                {
                    Error(node, path, $"expected a number, got {Describe(node)}");
                    return false;
                }
                if (!InRange(prop, d, node, path)) return false;
                value = d;
                return true;
            case SchemaValueKind.Boolean:
                if (plain && text is "true" or "True" or "TRUE") value = true;
                else if (plain && text is "false" or "False" or "FALSE") value = false;
                else
                {
                    Error(node, path, $"expected true or false, got {Describe(node)}");
                    return false;
                }
                return true;
            case SchemaValueKind.Enum:
                value = SchemaNames.ParseEnum(prop.ValueType, text);
                if (value is null)
                {
                    var suggestion = KeySuggester.Suggest(text, prop.EnumNames);
                    Error(node, path, $"unknown value \"{text}\"{DidYouMean(suggestion)}; expected one of {string.Join(", ", prop.EnumNames)}");
                    return false;
                }
                return true;
            default:
                value = Interpolate(scalar, path);
                if (prop.IsRequired && string.IsNullOrWhiteSpace((string)value))
                {
                    Error(node, path, "must not be empty");
                    return false;
                }
                return true;
        }
    }

    private bool InRange(SchemaProperty prop, double v, YamlNode node, string path)
    {
        if (prop.Range is null || prop.Range.Contains(v)) return true;
        Error(node, path, $"{v.ToString(CultureInfo.InvariantCulture)} is out of range; expected {prop.Range.Describe()} ({prop.Doc})");
        return false;
    }

    /// <summary>Replaces <c>${stages.NAME.output}</c> with the named earlier stage's output folder.</summary>
    private string Interpolate(YamlScalarNode node, string path)
    {
        var text = node.Value ?? "";
        if (!text.Contains("${")) return text;
        var result = Reference().Replace(text, m =>
        {
            var inner = m.Groups[1].Value;
            var parts = inner.Split('.');
            if (parts.Length != 3 || parts[0] != StagesKey || parts[2] != "output")
            {
                Error(node, path, $"unknown reference ${{{inner}}}; the only form is ${{stages.NAME.output}}");
                return m.Value;
            }
            var name = parts[1];
            if (!_earlierStages.Contains(name))
            {
                var suggestion = KeySuggester.Suggest(name, _earlierStages);
                var earlier = _earlierStages.Count == 0 ? "there are no earlier stages" : $"earlier stages: {string.Join(", ", _earlierStages)}";
                Error(node, path, $"${{{inner}}} refers to \"{name}\", which is not an earlier stage{DidYouMean(suggestion)} ({earlier})");
                return m.Value;
            }
            _produced.Add(Canon(path));
            return Recipe.StageOutputPath(_header.OutputDir, _header.RunName, name);
        });
        if (result.Contains("${") && !_errors.Any(e => e.KeyPath == path))
            Error(node, path, "unterminated ${ reference");
        return result;
    }

    private string UnknownKeyMessage(string key, Type type, IReadOnlyList<SchemaProperty> props, HashSet<string> extraKeys, string prefix)
    {
        var names = props.Select(p => p.Name).Concat(extraKeys).ToList();
        var suggestion = KeySuggester.Suggest(key, names);
        if (suggestion is not null) return $"unknown key \"{key}\"; did you mean \"{suggestion}\"?";
        // The key may exist elsewhere in the same stage: point to where it belongs.
        var stageType = CurrentStageType(prefix, type);
        var elsewhere = SchemaPaths(stageType, "").Where(p => p.EndsWith("." + key) || p == key).ToList();
        if (elsewhere.Count > 0) return $"unknown key \"{key}\" here; it belongs at {string.Join(" or ", elsewhere)}";
        return $"unknown key \"{key}\"; expected one of {string.Join(", ", names)}";
    }

    private Type CurrentStageType(string prefix, Type fallback)
    {
        // The stage type is the outermost record being bound; find it from the key prefix.
        var stageName = prefix.StartsWith(StagesKey + ".", StringComparison.Ordinal) ? prefix.Split('.')[1] : "";
        return _stageTypes.TryGetValue(stageName, out var t) ? t : fallback;
    }

    private readonly Dictionary<string, Type> _stageTypes = [];
    private string? _singleStageName;

    /// <summary>Key paths are stored as "stages.NAME.key" whichever form the recipe was written in.</summary>
    private string Canon(string path) =>
        _singleStageName is null || path.StartsWith(StagesKey + ".", StringComparison.Ordinal) ? path : Recipe.StageKeyPrefix(_singleStageName) + path;

    /// <summary>Every key path of an options record type ("rollout.group_size", ...).</summary>
    public static IEnumerable<string> SchemaPaths(Type type, string prefix)
    {
        foreach (var p in SchemaProperty.For(type))
        {
            if (p.Kind == SchemaValueKind.Section)
                foreach (var child in SchemaPaths(p.ValueType, prefix + p.Name + ".")) yield return child;
            else yield return prefix + p.Name;
        }
    }

    private static HashSet<string> StageKeyNames() =>
        Enum.GetValues<StageKind>().SelectMany(k => SchemaProperty.For(StageOptions.TypeOf(k)).Select(p => p.Name)).Append(KindKey).ToHashSet();

    private static string KindList => string.Join(", ", SchemaNames.EnumNames(typeof(StageKind)));

    private static string DidYouMean(string? suggestion) => suggestion is null ? "" : $"; did you mean \"{suggestion}\"?";

    private static YamlNode? Find(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode s && s.Value == key).Value;

    internal static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any } s
        && (s.Value is null or "" or "~" or "null" or "Null" or "NULL");

    internal static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s when IsNull(s) => "null",
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted } s => $"the string \"{s.Value}\"",
        YamlScalarNode s => $"\"{s.Value}\"",
        _ => node.NodeType.ToString(),
    };

    private void Error(YamlNode node, string path, string message) =>
        _errors.Add(new RecipeError(_sources.Of(node), path, message));

    [GeneratedRegex(@"\$\{([^}]*)\}")]
    private static partial Regex Reference();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex SafeName();
}
