namespace ReasonFlux.Checkpoints;

/// <summary>The non-weight files of an HF model folder that a saved checkpoint must carry along.</summary>
public static class HfModelFolder
{
    /// <summary>Tokenizer and generation files copied by <see cref="CopyTokenizerFiles"/>, when present.</summary>
    public static IReadOnlyList<string> TokenizerFileNames { get; } =
    [
        "tokenizer.json",
        "tokenizer_config.json",
        "vocab.json",
        "merges.txt",
        "special_tokens_map.json",
        "added_tokens.json",
        "chat_template.jinja",
        "generation_config.json",
    ];

    /// <summary>
    /// Copies each of <see cref="TokenizerFileNames"/> that exists in <paramref name="sourceDirectory"/> into
    /// <paramref name="destinationDirectory"/> (created if needed; existing files replaced via a temporary name), and
    /// returns the names copied. Fails when the source has neither tokenizer.json nor vocab.json + merges.txt, since a
    /// checkpoint without a tokenizer cannot be used.
    /// </summary>
    public static IReadOnlyList<string> CopyTokenizerFiles(string sourceDirectory, string destinationDirectory)
    {
        if (!Directory.Exists(sourceDirectory))
            throw new FileNotFoundException($"{sourceDirectory}: model folder not found", sourceDirectory);
        bool hasTokenizer = File.Exists(Path.Combine(sourceDirectory, "tokenizer.json"))
            || (File.Exists(Path.Combine(sourceDirectory, "vocab.json")) && File.Exists(Path.Combine(sourceDirectory, "merges.txt")));
        if (!hasTokenizer)
            throw new FileNotFoundException($"{sourceDirectory}: no tokenizer.json (or vocab.json + merges.txt) to copy", Path.Combine(sourceDirectory, "tokenizer.json"));
        if (Path.GetFullPath(sourceDirectory) == Path.GetFullPath(destinationDirectory)) return [];

        Directory.CreateDirectory(destinationDirectory);
        var copied = new List<string>();
        foreach (string name in TokenizerFileNames)
        {
            string source = Path.Combine(sourceDirectory, name);
            if (!File.Exists(source)) continue;
            string destination = Path.Combine(destinationDirectory, name);
            string temp = $"{destination}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
            try
            {
                File.Copy(source, temp);
                File.Move(temp, destination, overwrite: true);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
            copied.Add(name);
        }
        return copied;
    }

    /// <summary>
    /// Stores <paramref name="template"/> as the folder's chat template: the <c>chat_template</c> string of
    /// tokenizer_config.json (created when missing, other keys kept), with any chat_template.jinja removed since
    /// loaders read that file first. A trained model then answers in the template it was trained with.
    /// </summary>
    public static void SetChatTemplate(string directory, string template)
    {
        var path = Path.Combine(directory, "tokenizer_config.json");
        System.Text.Json.Nodes.JsonObject config;
        try
        {
            config = File.Exists(path)
                ? System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path)) as System.Text.Json.Nodes.JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object")
                : new System.Text.Json.Nodes.JsonObject();
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        config["chat_template"] = template;
        var options = new System.Text.Json.JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        var temp = $"{path}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        File.WriteAllText(temp, config.ToJsonString(options));
        File.Move(temp, path, overwrite: true);
        File.Delete(Path.Combine(directory, "chat_template.jinja"));
    }
}
