using System.Text.Json;

namespace ReasonFlux.IO;

/// <summary>
/// System.Text.Json accepts a document whose strings hold invalid UTF-8 bytes or an escaped lone surrogate
/// ("\uDDDD") and throws InvalidOperationException only when such a string is read, far from the file name.
/// Walking the document once after parsing turns that into an error naming the file and the JSON path (found by
/// tests/fuzz: safetensors index, tokenizer_config.json).
/// </summary>
public static class JsonStrings
{
    /// <summary>Throws <see cref="InvalidDataException"/> "SOURCE: PATH: ..." for the first string or key that cannot be read.</summary>
    public static void Validate(JsonElement element, string source) => Walk(element, source, "$", 0);

    private static void Walk(JsonElement element, string source, string path, int depth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                Read(() => element.GetString(), source, path);
                break;
            case JsonValueKind.Array:
                int i = 0;
                foreach (var item in element.EnumerateArray()) Walk(item, source, depth < 8 ? $"{path}[{i++}]" : path, depth + 1);
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name = Read(() => property.Name, source, path + " (a key)");
                    Walk(property.Value, source, depth < 8 ? $"{path}.{name}" : path, depth + 1);
                }
                break;
        }
    }

    private static string Read(Func<string?> read, string source, string path)
    {
        try
        {
            return read() ?? "";
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidDataException($"{source}: {path}: unreadable string: {e.Message}", e);
        }
    }
}
