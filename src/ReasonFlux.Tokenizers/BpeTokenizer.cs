using System.Buffers;
using System.Text;
using ReasonFlux.Tokenizers.Bpe;
using ReasonFlux.Tokenizers.Normalization;
using ReasonFlux.Tokenizers.PreTokenization;
using MlTokenizers = Microsoft.ML.Tokenizers;

namespace ReasonFlux.Tokenizers;

/// <summary>
/// A Hugging Face byte-level BPE tokenizer (GPT-2 / Qwen2 family) loaded from <c>tokenizer.json</c>, with the
/// special tokens of <c>tokenizer_config.json</c>. Encoding follows HF tokenizers: added tokens are split out
/// of the raw text (leftmost-longest), each remaining segment is NFC-normalized, pre-tokenized (Split,
/// Isolated), byte-mapped and BPE-merged. No BOS/EOS is added. Thread-safe.
/// It is a Microsoft.ML.Tokenizers <see cref="MlTokenizers.Tokenizer"/> (EncodeToIds, EncodeToTokens with
/// offsets, CountTokens, GetIndexByTokenCount, Decode), so code written against that abstraction
/// (Microsoft.Extensions.AI, Semantic Kernel) takes it; <see cref="Encode"/>/<see cref="EncodeInto(ReadOnlySpan{char}, List{int}, bool)"/>
/// are the allocation-light paths the trainers use. The partial class BpeTokenizer.MlApi.cs holds the overrides.
/// </summary>
public sealed partial class BpeTokenizer : MlTokenizers.Tokenizer
{
    private readonly BpeModel _model;
    private readonly IPieceEncoder _engine;
    private readonly bool _normalizeNfc;
    private readonly PreTokenizer _preTokenizer;
    private readonly AddedTokenMatcher _rawMatcher;
    private readonly AddedTokenMatcher _normalizedMatcher;
    private readonly Dictionary<string, AddedToken> _addedByContent;
    private readonly Dictionary<int, AddedToken> _addedById;
    private readonly byte[]?[] _tokenBytes;
    private readonly bool[] _isSpecial;

    private BpeTokenizer(TokenizerJson.Definition definition, TokenizerConfig config, string source, BpeMergeEngine engine)
    {
        _model = new BpeModel(definition.Vocab, definition.Merges, definition.IgnoreMerges, source);
        _normalizeNfc = definition.NormalizeNfc;
        _preTokenizer = definition.PreTokenizer;
        _engine = engine switch
        {
            BpeMergeEngine.ReasonFlux => new ReasonFluxPieceEncoder(_model, _preTokenizer),
            BpeMergeEngine.MlTokenizers => new MlTokenizersPieceEncoder(definition, source),
            _ => throw new ArgumentOutOfRangeException(nameof(engine), engine, "unknown BPE merge engine"),
        };
        Engine = engine;
        Config = config;

        var added = new List<AddedToken>(definition.AddedTokens);
        // transformers also registers added_tokens_decoder entries that tokenizer.json lacks.
        var knownIds = added.Select(a => a.Id).ToHashSet();
        foreach (var extra in config.AddedTokensDecoder)
        {
            if (knownIds.Add(extra.Id)) added.Add(extra);
        }
        AddedTokens = added;
        _addedById = added.ToDictionary(a => a.Id);
        _addedByContent = new Dictionary<string, AddedToken>(StringComparer.Ordinal);
        foreach (var a in added) _addedByContent.TryAdd(a.Content, a);
        _rawMatcher = new AddedTokenMatcher(added.Where(a => !a.Normalized));
        _normalizedMatcher = new AddedTokenMatcher(added.Where(a => a.Normalized));

        int maxId = Math.Max(_model.IdToToken.Length - 1, added.Count == 0 ? -1 : added.Max(a => a.Id));
        VocabSize = maxId + 1;
        _tokenBytes = new byte[VocabSize][];
        _isSpecial = new bool[VocabSize];
        for (int id = 0; id < _model.IdToToken.Length; id++)
        {
            var token = _model.IdToToken[id];
            if (token is not null) _tokenBytes[id] = ByteLevelAlphabet.TryStringToBytes(token) ?? Encoding.UTF8.GetBytes(token);
        }
        foreach (var a in added)
        {
            _tokenBytes[a.Id] = ByteLevelAlphabet.TryStringToBytes(a.Content) ?? Encoding.UTF8.GetBytes(a.Content);
            _isSpecial[a.Id] = a.Special;
        }

        BosTokenId = ResolveConfigToken(config.BosToken, "bos_token");
        EosTokenId = ResolveConfigToken(config.EosToken, "eos_token");
        PadTokenId = ResolveConfigToken(config.PadToken, "pad_token");
    }

    /// <summary>
    /// Loads <paramref name="tokenizerJsonPath"/> and, when given, a tokenizer_config.json for special tokens
    /// and chat templates.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">Malformed JSON, an unsupported component, or an inconsistent vocabulary; the message names the file and key.</exception>
    public static BpeTokenizer FromFile(string tokenizerJsonPath, string? tokenizerConfigPath = null, BpeMergeEngine engine = BpeMergeEngine.ReasonFlux)
    {
        if (!File.Exists(tokenizerJsonPath)) throw new FileNotFoundException($"{tokenizerJsonPath}: file not found", tokenizerJsonPath);
        var config = tokenizerConfigPath is null ? TokenizerConfig.Empty : TokenizerConfig.Load(tokenizerConfigPath);
        return Create(File.ReadAllText(tokenizerJsonPath), config, tokenizerJsonPath, engine);
    }

    /// <summary>
    /// Loads <c>tokenizer.json</c> from a checkpoint directory, plus <c>tokenizer_config.json</c> when present.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">The directory has no tokenizer.json.</exception>
    public static BpeTokenizer FromDirectory(string directory, BpeMergeEngine engine = BpeMergeEngine.ReasonFlux)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: tokenizer directory not found");
        string json = Path.Combine(directory, "tokenizer.json");
        if (!File.Exists(json)) throw new FileNotFoundException($"{json}: file not found (the directory must hold an HF tokenizer.json)", json);
        string config = Path.Combine(directory, "tokenizer_config.json");
        return FromFile(json, File.Exists(config) ? config : null, engine);
    }

    /// <summary>Builds a tokenizer from tokenizer.json text (and optional tokenizer_config.json text).</summary>
    public static BpeTokenizer FromJson(string tokenizerJson, string? tokenizerConfigJson = null, string source = "tokenizer.json",
        BpeMergeEngine engine = BpeMergeEngine.ReasonFlux)
    {
        var config = tokenizerConfigJson is null ? TokenizerConfig.Empty : TokenizerConfig.Parse(tokenizerConfigJson, "tokenizer_config.json");
        return Create(tokenizerJson, config, source, engine);
    }

    private static BpeTokenizer Create(string json, TokenizerConfig config, string source, BpeMergeEngine engine) =>
        new(TokenizerJson.Read(json, source), config, source, engine);

    /// <summary>The implementation of the merges (ours unless asked otherwise).</summary>
    public BpeMergeEngine Engine { get; }

    /// <summary>tokenizer_config.json as loaded (empty when none was given).</summary>
    public TokenizerConfig Config { get; }

    /// <summary>One more than the largest id of the model vocabulary or the added tokens (transformers' <c>len(tokenizer)</c> for Qwen).</summary>
    public int VocabSize { get; }

    /// <summary>The added tokens, from tokenizer.json and tokenizer_config.json's added_tokens_decoder.</summary>
    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>bos_token from tokenizer_config.json, or null.</summary>
    public string? BosToken => Config.BosToken;

    /// <summary>eos_token from tokenizer_config.json (Qwen2.5-Instruct: "&lt;|im_end|&gt;"), or null.</summary>
    public string? EosToken => Config.EosToken;

    /// <summary>pad_token from tokenizer_config.json (Qwen: "&lt;|endoftext|&gt;"), or null.</summary>
    public string? PadToken => Config.PadToken;

    /// <summary>Id of <see cref="BosToken"/>, or null.</summary>
    public int? BosTokenId { get; }

    /// <summary>Id of <see cref="EosToken"/>, or null.</summary>
    public int? EosTokenId { get; }

    /// <summary>Id of <see cref="PadToken"/>, or null.</summary>
    public int? PadTokenId { get; }

    /// <summary>The id of a token string (added tokens first, then the model vocabulary), or null.</summary>
    public int? TokenToId(string token)
    {
        if (_addedByContent.TryGetValue(token, out var a)) return a.Id;
        return _model.TryGetId(token, out int id) ? id : null;
    }

    /// <summary>The token string of an id (an added token's content, or the byte-level vocabulary string), or null.</summary>
    public string? IdToToken(int id)
    {
        if (_addedById.TryGetValue(id, out var a)) return a.Content;
        return id >= 0 && id < _model.IdToToken.Length ? _model.IdToToken[id] : null;
    }

    /// <summary>True when <paramref name="id"/> is an added token marked special (dropped by skipSpecialTokens).</summary>
    public bool IsSpecialToken(int id) => id >= 0 && id < _isSpecial.Length && _isSpecial[id];

    /// <summary>
    /// Encodes <paramref name="text"/> to ids without adding any special token. Added tokens in the text
    /// (e.g. "&lt;|im_end|&gt;") become their ids unless <paramref name="splitSpecialTokens"/> is true, in which
    /// case tokens marked special are encoded as ordinary text (HF's split_special_tokens, for untrusted text).
    /// </summary>
    public int[] Encode(string text, bool splitSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        EncodeInto(text, ids, splitSpecialTokens);
        return ids.ToArray();
    }

    /// <summary>Like <see cref="Encode"/>, appending to <paramref name="ids"/> instead of allocating a result.</summary>
    public void EncodeInto(string text, List<int> ids, bool splitSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        EncodeInto(text.AsSpan(), ids, splitSpecialTokens);
    }

    /// <summary>Like <see cref="Encode"/> on a span, appending to <paramref name="ids"/>.</summary>
    public void EncodeInto(ReadOnlySpan<char> text, List<int> ids, bool splitSpecialTokens = false)
    {
        var skip = splitSpecialTokens ? SkipSpecial : null;
        var matches = new List<AddedTokenMatcher.Match>();
        _rawMatcher.FindAll(text, matches, skip);
        int last = 0;
        foreach (var m in matches)
        {
            if (m.Start > last) EncodeSegment(text[last..m.Start], ids, skip);
            ids.Add(m.Token.Id);
            last = m.End;
        }
        if (last < text.Length) EncodeSegment(text[last..], ids, skip);
    }

    /// <summary>Empties the per-piece BPE cache (ours: up to 100k pieces, cleared whenever it fills up).</summary>
    public void ClearCache() => _engine.ClearCache();

    private static readonly Func<AddedToken, bool> SkipSpecial = t => t.Special;

    private void EncodeSegment(ReadOnlySpan<char> segment, List<int> ids, Func<AddedToken, bool>? skip)
    {
        if (_normalizeNfc && !NfcNormalizer.IsTriviallyNormalized(segment))
            segment = NfcNormalizer.Normalize(segment.ToString());

        if (_normalizedMatcher.IsEmpty)
        {
            EncodeNormalized(segment, ids);
            return;
        }
        var matches = new List<AddedTokenMatcher.Match>();
        _normalizedMatcher.FindAll(segment, matches, skip);
        int last = 0;
        foreach (var m in matches)
        {
            if (m.Start > last) EncodeNormalized(segment[last..m.Start], ids);
            ids.Add(m.Token.Id);
            last = m.End;
        }
        if (last < segment.Length) EncodeNormalized(segment[last..], ids);
    }

    private void EncodeNormalized(ReadOnlySpan<char> text, List<int> ids) => _engine.EncodeSegment(text, ids);

    /// <summary>
    /// Decodes ids to text as HF tokenizers' ByteLevel decoder does: token strings map back to bytes and the
    /// concatenation is UTF-8 decoded with U+FFFD for invalid or incomplete sequences.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is not in the vocabulary (HF would drop it silently).</exception>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var buffer = new ArrayBufferWriter<byte>(ids.Length * 4 + 16);
        foreach (int id in ids) AppendTokenBytes(id, skipSpecialTokens, buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Decodes ids to text; see <see cref="Decode(ReadOnlySpan{int}, bool)"/>.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens) => Decode(ids.ToArray(), skipSpecialTokens);

    /// <summary>A decoder for generation that emits text as ids arrive, holding back incomplete UTF-8.</summary>
    public TokenStreamDecoder CreateStreamDecoder(bool skipSpecialTokens = false) => new(this, skipSpecialTokens);

    /// <summary>The bytes a token id stands for.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is not in the vocabulary.</exception>
    public ReadOnlySpan<byte> GetTokenBytes(int id)
    {
        if ((uint)id >= (uint)_tokenBytes.Length || _tokenBytes[id] is null)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"token id {id} is not in the vocabulary (size {VocabSize})");
        return _tokenBytes[id];
    }

    internal void AppendTokenBytes(int id, bool skipSpecialTokens, IBufferWriter<byte> output)
    {
        var bytes = GetTokenBytes(id);
        if (skipSpecialTokens && _isSpecial[id]) return;
        output.Write(bytes);
    }

    private int? ResolveConfigToken(string? token, string key)
    {
        if (token is null) return null;
        return TokenToId(token) ?? throw new InvalidDataException(
            $"{Config.Source}: {key} \"{token}\" is not a token of the tokenizer (neither an added token nor in the vocabulary)");
    }
}
