using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReasonFlux.Runs;

/// <summary>One file of a checkpoint, as recorded in its manifest.</summary>
/// <param name="Path">Relative to the checkpoint folder, '/'-separated.</param>
public sealed record CheckpointFile(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("sha256")] string Sha256);

/// <summary>
/// <c>manifest.json</c> of a checkpoint: its step, every file with size and SHA-256, and free-form metadata
/// from the trainer. Written last, so a checkpoint without a valid manifest is incomplete by definition.
/// </summary>
public sealed record CheckpointManifest(
    [property: JsonPropertyName("format")] int Format,
    [property: JsonPropertyName("step")] long Step,
    [property: JsonPropertyName("created_utc")] DateTimeOffset CreatedUtc,
    [property: JsonPropertyName("files")] IReadOnlyList<CheckpointFile> Files,
    [property: JsonPropertyName("metadata")] IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>The manifest's file name inside a checkpoint folder.</summary>
    public const string FileName = "manifest.json";

    /// <summary>Current format version.</summary>
    public const int CurrentFormat = 1;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses a manifest; a malformed one is an <see cref="InvalidDataException"/> naming the file.</summary>
    public static CheckpointManifest Read(string path)
    {
        try
        {
            var m = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path}: empty manifest");
            if (m.Format != CurrentFormat) throw new InvalidDataException($"{path}: manifest format {m.Format}, this reasonflux reads format {CurrentFormat}");
            if (m.Files is null || m.Metadata is null) throw new InvalidDataException($"{path}: manifest lacks files or metadata");
            // Found by tests/fuzz: a missing "path" reached Path.Combine as null; "../x" or "./x" must not name files
            // outside the folder or miss the hash table.
            for (int i = 0; i < m.Files.Count; i++)
            {
                var f = m.Files[i] ?? throw new InvalidDataException($"{path}: files[{i}] is null");
                if (!IsPlainRelativePath(f.Path)) throw new InvalidDataException($"{path}: files[{i}].path must be a plain relative path inside the checkpoint, got {(f.Path is null ? "nothing" : $"\"{f.Path}\"")}");
                if (f.Bytes < 0) throw new InvalidDataException($"{path}: files[{i}].bytes is negative ({f.Bytes})");
                if (f.Sha256 is not { Length: 64 } || !f.Sha256.All(char.IsAsciiHexDigit)) throw new InvalidDataException($"{path}: files[{i}].sha256 must be 64 hex digits");
            }
            if (m.Metadata.Any(kv => kv.Value is null)) throw new InvalidDataException($"{path}: metadata values must be strings");
            return m;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: malformed manifest: {e.Message}", e);
        }
    }

    private static bool IsPlainRelativePath(string? p) =>
        !string.IsNullOrEmpty(p) && !p.StartsWith('/') && !p.Contains('\\') && !p.Contains('\0') && p != FileName
        && p.Split('/').All(part => part is not ("" or "." or ".."));
}

/// <summary>A complete, verified checkpoint folder.</summary>
public sealed record SavedCheckpoint(long Step, string Path, CheckpointManifest Manifest)
{
    /// <summary>A metadata value the trainer stored with the checkpoint, or null.</summary>
    public string? GetMetadata(string key) => Manifest.Metadata.TryGetValue(key, out var v) ? v : null;
}
