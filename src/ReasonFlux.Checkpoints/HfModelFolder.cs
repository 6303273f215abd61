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
}
