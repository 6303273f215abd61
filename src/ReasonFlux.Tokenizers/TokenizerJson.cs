using System.Text.Json;
using ReasonFlux.Tokenizers.PreTokenization;

namespace ReasonFlux.Tokenizers;

/// <summary>
/// Reads an HF <c>tokenizer.json</c> into the pieces <see cref="BpeTokenizer"/> is built from, rejecting
/// anything outside what it implements with an error naming the file and key.
/// </summary>
internal static class TokenizerJson
{
    /// <summary>What a tokenizer.json describes, validated.</summary>
    internal sealed record Definition(
        Dictionary<string, int> Vocab,
        List<(string Left, string Right)> Merges,
        bool IgnoreMerges,
        List<AddedToken> AddedTokens,
        bool NormalizeNfc,
        PreTokenizer PreTokenizer);

    /// <summary>The GPT-2 pattern that a lone ByteLevel pre-tokenizer with use_regex=true applies.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>Largest token id accepted: per-id tables are allocated up to it (the largest real vocabularies hold ~256k).</summary>
    public const int MaxTokenId = (1 << 24) - 1;

    public static JsonDocument ParseDocument(string json, string source)
    {
        try
        {
            var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 });
            try
            {
                ReasonFlux.IO.JsonStrings.Validate(doc.RootElement, source);
            }
            catch
            {
                doc.Dispose();
                throw;
            }
            return doc;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: malformed JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {e.Message}", e);
        }
    }

    public static Definition Read(string json, string source)
    {
        using var doc = ParseDocument(json, source);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{source}: expected a JSON object at the top level");

        if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{source}: missing \"model\" object");
        string type = model.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "(missing)";
        if (type != "BPE")
            throw new InvalidDataException($"{source}: model.type \"{type}\" is not supported; only byte-level \"BPE\" is implemented");
        RequireNullOrValue(model, "dropout", source, "model", JsonValueKind.Null);
        RequireFalse(model, "byte_fallback", source, "model");
        RequireEmpty(model, "continuing_subword_prefix", source);
        RequireEmpty(model, "end_of_word_suffix", source);
        bool ignoreMerges = model.TryGetProperty("ignore_merges", out var im) && im.ValueKind == JsonValueKind.True;

        var vocab = ReadVocab(model, source);
        var merges = ReadMerges(model, source);
        var added = ReadAddedTokens(root, source);
        bool nfc = ReadNormalizer(root, source);
        var pre = ReadPreTokenizer(root, source);
        CheckDecoder(root, source);
        return new Definition(vocab, merges, ignoreMerges, added, nfc, pre);
    }

    private static Dictionary<string, int> ReadVocab(JsonElement model, string source)
    {
        if (!model.TryGetProperty("vocab", out var v) || v.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{source}: model.vocab must be an object of token → id");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var prop in v.EnumerateObject())
        {
            if (prop.Value.ValueKind != JsonValueKind.Number || !prop.Value.TryGetInt32(out int id) || id < 0)
                throw new InvalidDataException($"{source}: model.vocab[\"{prop.Name}\"] must be a non-negative integer id");
            if (id > MaxTokenId)
                throw new InvalidDataException($"{source}: model.vocab[\"{prop.Name}\"] id {id} is above {MaxTokenId} (tables are sized by the largest id)");
            vocab[prop.Name] = id;
        }
        return vocab;
    }

    private static List<(string, string)> ReadMerges(JsonElement model, string source)
    {
        if (!model.TryGetProperty("merges", out var m) || m.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{source}: model.merges must be an array");
        var merges = new List<(string, string)>(m.GetArrayLength());
        int i = 0;
        foreach (var entry in m.EnumerateArray())
        {
            if (entry.ValueKind == JsonValueKind.String)
            {
                // Legacy form "a b": exactly one space, as HF requires.
                string s = entry.GetString()!;
                int space = s.IndexOf(' ');
                if (space <= 0 || space == s.Length - 1 || s.IndexOf(' ', space + 1) >= 0)
                    throw new InvalidDataException($"{source}: model.merges[{i}] \"{s}\" must be two tokens separated by one space");
                merges.Add((s[..space], s[(space + 1)..]));
            }
            else if (entry.ValueKind == JsonValueKind.Array && entry.GetArrayLength() == 2
                     && entry[0].ValueKind == JsonValueKind.String && entry[1].ValueKind == JsonValueKind.String)
            {
                merges.Add((entry[0].GetString()!, entry[1].GetString()!));
            }
            else
            {
                throw new InvalidDataException($"{source}: model.merges[{i}] must be \"a b\" or [\"a\", \"b\"], got {entry.GetRawText()}");
            }
            i++;
        }
        return merges;
    }

    private static List<AddedToken> ReadAddedTokens(JsonElement root, string source)
    {
        var list = new List<AddedToken>();
        var ids = new HashSet<int>();
        if (!root.TryGetProperty("added_tokens", out var a) || a.ValueKind == JsonValueKind.Null) return list;
        if (a.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{source}: added_tokens must be an array");
        int i = 0;
        foreach (var entry in a.EnumerateArray())
        {
            string where = $"{source}: added_tokens[{i}]";
            if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("id", out var idEl) || idEl.ValueKind != JsonValueKind.Number || !idEl.TryGetInt32(out int id) || id < 0)
                throw new InvalidDataException($"{where} must be an object with a non-negative integer \"id\"");
            if (id > MaxTokenId) throw new InvalidDataException($"{where}: id {id} is above {MaxTokenId} (tables are sized by the largest id)");
            // Found by tests/fuzz: a repeated id reached a ToDictionary as a bare ArgumentException.
            if (!ids.Add(id)) throw new InvalidDataException($"{where}: id {id} is used by an earlier added token");
            list.Add(ReadAddedToken(entry, id, where));
            i++;
        }
        return list;
    }

    public static AddedToken ReadAddedToken(JsonElement entry, int id, string where)
    {
        if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("content", out var c) || c.ValueKind != JsonValueKind.String)
            throw new InvalidDataException($"{where} must be an object with a string \"content\"");
        string content = c.GetString()!;
        if (content.Length == 0) throw new InvalidDataException($"{where}: \"content\" is empty");
        return new AddedToken(id, content,
            Special: Flag(entry, "special", false),
            Normalized: Flag(entry, "normalized", !Flag(entry, "special", false)),
            LStrip: Flag(entry, "lstrip", false),
            RStrip: Flag(entry, "rstrip", false),
            SingleWord: Flag(entry, "single_word", false));
    }

    private static bool Flag(JsonElement e, string key, bool fallback) =>
        e.TryGetProperty(key, out var v) ? v.ValueKind == JsonValueKind.True : fallback;

    private static bool ReadNormalizer(JsonElement root, string source)
    {
        if (!root.TryGetProperty("normalizer", out var n) || n.ValueKind == JsonValueKind.Null) return false;
        string type = TypeOf(n);
        if (type == "NFC") return true;
        if (type == "Sequence" && n.TryGetProperty("normalizers", out var seq) && seq.ValueKind == JsonValueKind.Array)
        {
            bool nfc = false;
            foreach (var item in seq.EnumerateArray())
            {
                string inner = TypeOf(item);
                if (inner != "NFC") throw new InvalidDataException($"{source}: normalizer \"{inner}\" is not supported (only NFC)");
                nfc = true;
            }
            return nfc;
        }
        throw new InvalidDataException($"{source}: normalizer \"{type}\" is not supported (only NFC)");
    }

    private static PreTokenizer ReadPreTokenizer(JsonElement root, string source)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var p) || p.ValueKind == JsonValueKind.Null)
            throw new InvalidDataException($"{source}: pre_tokenizer is missing; a byte-level BPE needs a ByteLevel pre-tokenizer");
        string type = TypeOf(p);
        if (type == "ByteLevel")
        {
            CheckByteLevel(p, source, "pre_tokenizer");
            if (p.TryGetProperty("use_regex", out var ur) && ur.ValueKind == JsonValueKind.False)
                throw new InvalidDataException($"{source}: pre_tokenizer ByteLevel with use_regex=false and no Split is not supported");
            return new RegexPreTokenizer(Gpt2Pattern);
        }
        if (type == "Sequence" && p.TryGetProperty("pretokenizers", out var seq) && seq.ValueKind == JsonValueKind.Array
            && seq.GetArrayLength() == 2 && TypeOf(seq[0]) == "Split" && TypeOf(seq[1]) == "ByteLevel")
        {
            var split = seq[0];
            var byteLevel = seq[1];
            CheckByteLevel(byteLevel, source, "pre_tokenizer.pretokenizers[1]");
            if (byteLevel.TryGetProperty("use_regex", out var ur) && ur.ValueKind == JsonValueKind.True)
                throw new InvalidDataException($"{source}: pre_tokenizer.pretokenizers[1] ByteLevel with use_regex=true after a Split is not supported");
            string behavior = split.TryGetProperty("behavior", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString()! : "(missing)";
            if (behavior != "Isolated")
                throw new InvalidDataException($"{source}: pre_tokenizer Split behavior \"{behavior}\" is not supported (only Isolated)");
            if (split.TryGetProperty("invert", out var inv) && inv.ValueKind == JsonValueKind.True)
                throw new InvalidDataException($"{source}: pre_tokenizer Split with invert=true is not supported");
            if (!split.TryGetProperty("pattern", out var pat) || pat.ValueKind != JsonValueKind.Object
                || !pat.TryGetProperty("Regex", out var rx) || rx.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"{source}: pre_tokenizer Split needs a {{\"Regex\": ...}} pattern");
            try
            {
                return PreTokenizer.ForPattern(rx.GetString()!);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{source}: {e.Message}", e);
            }
        }
        throw new InvalidDataException($"{source}: pre_tokenizer {p.GetRawText()[..Math.Min(200, p.GetRawText().Length)]} is not supported; expected Sequence[Split(Regex, Isolated), ByteLevel] or ByteLevel");
    }

    private static void CheckByteLevel(JsonElement e, string source, string where)
    {
        if (e.TryGetProperty("add_prefix_space", out var aps) && aps.ValueKind == JsonValueKind.True)
            throw new InvalidDataException($"{source}: {where} ByteLevel add_prefix_space=true is not supported");
    }

    private static void CheckDecoder(JsonElement root, string source)
    {
        if (!root.TryGetProperty("decoder", out var d) || d.ValueKind == JsonValueKind.Null)
            throw new InvalidDataException($"{source}: decoder is missing; expected ByteLevel");
        string type = TypeOf(d);
        if (type != "ByteLevel") throw new InvalidDataException($"{source}: decoder \"{type}\" is not supported; expected ByteLevel");
    }

    private static string TypeOf(JsonElement e) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "(no type)";

    private static void RequireFalse(JsonElement obj, string key, string source, string where)
    {
        if (obj.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.True)
            throw new InvalidDataException($"{source}: {where}.{key}=true is not supported");
    }

    private static void RequireNullOrValue(JsonElement obj, string key, string source, string where, JsonValueKind kind)
    {
        if (obj.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null && v.ValueKind != kind)
            throw new InvalidDataException($"{source}: {where}.{key}={v.GetRawText()} is not supported (BPE dropout is not implemented)");
    }

    private static void RequireEmpty(JsonElement model, string key, string source)
    {
        if (model.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0)
            throw new InvalidDataException($"{source}: model.{key}=\"{v.GetString()}\" is not supported for byte-level BPE");
    }
}
