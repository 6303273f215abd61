using System.Text.Json.Nodes;
using ReasonFlux.Checkpoints;
using ReasonFlux.Tokenizers;

namespace ReasonFlux.Training.Prm;

/// <summary>
/// The tokenizer files a trained PRM ships with, held in memory (a resumed run may have pruned the folder they
/// came from). The chat template the PRM is trained in is written into tokenizer_config.json so the scorer reads
/// inputs exactly as training wrote them. When the base tokenizer lacks the step separator (Qwen2.5-Instruct has
/// no &lt;extra_0&gt;), it is added as a special token at the first id after the vocabulary, which must still be
/// inside the model's embedding matrix (Qwen2.5 reserves ~270 spare rows; Qwen2.5-Math-PRM reuses one too).
/// </summary>
public sealed class PrmTokenizerFiles
{
    private static readonly System.Text.Json.JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly System.Text.Json.JsonSerializerOptions Indented = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true };

    private readonly Dictionary<string, byte[]> _files;

    private PrmTokenizerFiles(Dictionary<string, byte[]> files, BpeTokenizer tokenizer, ChatTemplate template, int separatorId, bool addedSeparator)
    {
        _files = files;
        Tokenizer = tokenizer;
        Template = template;
        SeparatorId = separatorId;
        AddedSeparator = addedSeparator;
    }

    public BpeTokenizer Tokenizer { get; }
    public ChatTemplate Template { get; }
    public int SeparatorId { get; }

    /// <summary>True when the separator token was not in the base tokenizer and has been added.</summary>
    public bool AddedSeparator { get; }

    /// <param name="directory">Base model folder (tokenizer.json, optional tokenizer_config.json).</param>
    /// <param name="separatorToken">Text of the step separator token ("&lt;extra_0&gt;").</param>
    /// <param name="embeddingRows">The model's vocab_size (rows of the embedding matrix).</param>
    /// <param name="chatTemplate">Template spec overriding the folder's; null: the folder's own, else ChatML.</param>
    public static PrmTokenizerFiles Prepare(string directory, string separatorToken, int embeddingRows, string? chatTemplate)
    {
        var tokenizerPath = Path.Combine(directory, "tokenizer.json");
        if (!File.Exists(tokenizerPath)) throw new FileNotFoundException($"{tokenizerPath}: a PRM needs the base model's tokenizer.json", tokenizerPath);
        var configPath = Path.Combine(directory, "tokenizer_config.json");
        var tokenizerJson = ParseObject(tokenizerPath);
        var configJson = File.Exists(configPath) ? ParseObject(configPath) : new JsonObject();

        var baseTokenizer = BpeTokenizer.FromDirectory(directory);
        int? id = baseTokenizer.TokenToId(separatorToken);
        bool added = id is null;
        if (id is null)
        {
            id = baseTokenizer.VocabSize;
            if (id >= embeddingRows)
                throw new InvalidDataException(
                    $"{tokenizerPath}: the tokenizer has no \"{separatorToken}\" and the model has no spare embedding row for it ({embeddingRows} rows, {baseTokenizer.VocabSize} tokens); set step_separator to a token the tokenizer has");
            var entry = new JsonObject
            {
                ["id"] = id, ["content"] = separatorToken, ["single_word"] = false, ["lstrip"] = false,
                ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
            };
            (tokenizerJson["added_tokens"] as JsonArray ?? throw new InvalidDataException($"{tokenizerPath}: \"added_tokens\" is not an array")).Add(entry);
            var decoder = configJson["added_tokens_decoder"] as JsonObject ?? new JsonObject();
            var decoderEntry = (JsonObject)entry.DeepClone();
            decoderEntry.Remove("id");
            decoder[id.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)] = decoderEntry;
            configJson["added_tokens_decoder"] = decoder;
        }

        var template = chatTemplate is not null ? ChatTemplate.Load(chatTemplate, directory) : FolderTemplate(directory);
        configJson["chat_template"] = template.Source;

        var files = new Dictionary<string, byte[]>
        {
            // Rewritten only when a token was added, so an unchanged tokenizer.json stays byte-identical.
            ["tokenizer.json"] = added ? System.Text.Encoding.UTF8.GetBytes(tokenizerJson.ToJsonString(Compact)) : File.ReadAllBytes(tokenizerPath),
            ["tokenizer_config.json"] = System.Text.Encoding.UTF8.GetBytes(configJson.ToJsonString(Indented)),
        };
        // The template now lives in tokenizer_config.json; a stale chat_template.jinja would take precedence over it.
        foreach (var name in HfModelFolder.TokenizerFileNames.Except(["tokenizer.json", "tokenizer_config.json", "chat_template.jinja"]))
            if (File.Exists(Path.Combine(directory, name))) files[name] = File.ReadAllBytes(Path.Combine(directory, name));

        var tokenizerText = System.Text.Encoding.UTF8.GetString(files["tokenizer.json"]);
        var configText = System.Text.Encoding.UTF8.GetString(files["tokenizer_config.json"]);
        var tokenizer = BpeTokenizer.FromJson(tokenizerText, configText, tokenizerPath);
        var finalTemplate = ChatTemplate.Parse(template.Source, TokenizerConfig.Parse(configText), template.Name);
        return new PrmTokenizerFiles(files, tokenizer, finalTemplate, tokenizer.TokenToId(separatorToken)!.Value, added);
    }

    private static ChatTemplate FolderTemplate(string directory)
    {
        try { return ChatTemplate.FromTokenizerConfig(directory); }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException) { return ChatTemplate.BuiltIn(ChatTemplate.ChatMlName); }
    }

    private static JsonObject ParseObject(string path)
    {
        try { return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object"); }
        catch (System.Text.Json.JsonException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }

    /// <summary>Writes the tokenizer files into a model folder.</summary>
    public void WriteTo(string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var (name, bytes) in _files) File.WriteAllBytes(Path.Combine(directory, name), bytes);
    }
}
