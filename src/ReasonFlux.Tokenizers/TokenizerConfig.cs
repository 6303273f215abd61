using System.Text.Json;

namespace ReasonFlux.Tokenizers;

/// <summary>
/// The parts of a transformers <c>tokenizer_config.json</c> that matter here: special token strings, chat
/// templates (string form, or the list form <c>[{"name": ..., "template": ...}]</c>) and
/// <c>added_tokens_decoder</c>.
/// </summary>
public sealed class TokenizerConfig
{
    /// <summary>The name under which a string-form chat_template is stored.</summary>
    public const string DefaultTemplateName = "default";

    /// <summary>An empty config (no special tokens, no chat template).</summary>
    public static TokenizerConfig Empty { get; } = new(null, null, null, null, new Dictionary<string, string>(), [], "(none)");

    private TokenizerConfig(string? bos, string? eos, string? pad, string? unk,
        IReadOnlyDictionary<string, string> templates, IReadOnlyList<AddedToken> addedTokens, string source)
    {
        BosToken = bos;
        EosToken = eos;
        PadToken = pad;
        UnkToken = unk;
        ChatTemplates = templates;
        AddedTokensDecoder = addedTokens;
        Source = source;
    }

    /// <summary>bos_token, or null.</summary>
    public string? BosToken { get; }

    /// <summary>eos_token, or null.</summary>
    public string? EosToken { get; }

    /// <summary>pad_token, or null.</summary>
    public string? PadToken { get; }

    /// <summary>unk_token, or null.</summary>
    public string? UnkToken { get; }

    /// <summary>Chat templates by name; a string-form chat_template is under <see cref="DefaultTemplateName"/>.</summary>
    public IReadOnlyDictionary<string, string> ChatTemplates { get; }

    /// <summary>The default chat template, or null when the config has none.</summary>
    public string? ChatTemplate => ChatTemplates.TryGetValue(DefaultTemplateName, out var t) ? t : null;

    /// <summary>Entries of added_tokens_decoder (transformers adds those missing from tokenizer.json).</summary>
    public IReadOnlyList<AddedToken> AddedTokensDecoder { get; }

    /// <summary>Where the config came from, for error messages.</summary>
    public string Source { get; }

    /// <summary>Reads a tokenizer_config.json file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Malformed JSON or a field of the wrong type; the message names the file and key.</exception>
    public static TokenizerConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses tokenizer_config.json content; <paramref name="source"/> names it in errors.</summary>
    public static TokenizerConfig Parse(string json, string source = "tokenizer_config.json")
    {
        using var doc = TokenizerJson.ParseDocument(json, source);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{source}: expected a JSON object at the top level");

        var templates = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("chat_template", out var ct))
        {
            switch (ct.ValueKind)
            {
                case JsonValueKind.String:
                    templates[DefaultTemplateName] = ct.GetString()!;
                    break;
                case JsonValueKind.Array:
                    int i = 0;
                    foreach (var entry in ct.EnumerateArray())
                    {
                        if (entry.ValueKind != JsonValueKind.Object
                            || !entry.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
                            || !entry.TryGetProperty("template", out var template) || template.ValueKind != JsonValueKind.String)
                            throw new InvalidDataException($"{source}: chat_template[{i}] must be an object with string \"name\" and \"template\"");
                        templates[name.GetString()!] = template.GetString()!;
                        i++;
                    }
                    break;
                case JsonValueKind.Null:
                    break;
                default:
                    throw new InvalidDataException($"{source}: chat_template must be a string or a list of {{name, template}}, got {ct.ValueKind}");
            }
        }

        var added = new List<AddedToken>();
        if (root.TryGetProperty("added_tokens_decoder", out var atd) && atd.ValueKind == JsonValueKind.Object)
        {
            foreach (var prop in atd.EnumerateObject())
            {
                if (!int.TryParse(prop.Name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id) || id > TokenizerJson.MaxTokenId)
                    throw new InvalidDataException($"{source}: added_tokens_decoder key \"{prop.Name}\" is not a token id in [0, {TokenizerJson.MaxTokenId}]");
                added.Add(TokenizerJson.ReadAddedToken(prop.Value, id, $"{source}: added_tokens_decoder[\"{prop.Name}\"]"));
            }
        }

        return new TokenizerConfig(
            ReadSpecialToken(root, "bos_token", source),
            ReadSpecialToken(root, "eos_token", source),
            ReadSpecialToken(root, "pad_token", source),
            ReadSpecialToken(root, "unk_token", source),
            templates, added, source);
    }

    // transformers writes special tokens either as plain strings or as AddedToken objects with "content".
    private static string? ReadSpecialToken(JsonElement root, string key, string source)
    {
        if (!root.TryGetProperty(key, out var v)) return null;
        return v.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Object when v.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String => c.GetString(),
            _ => throw new InvalidDataException($"{source}: {key} must be a string, null or an object with \"content\", got {v.ValueKind}"),
        };
    }
}
