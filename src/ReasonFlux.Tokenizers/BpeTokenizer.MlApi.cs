using System.Buffers;
using System.Text;
using ReasonFlux.Tokenizers.Normalization;
using ReasonFlux.Tokenizers.PreTokenization;
using MlTokenizers = Microsoft.ML.Tokenizers;

namespace ReasonFlux.Tokenizers;

/// <summary>
/// The Microsoft.ML.Tokenizers <see cref="MlTokenizers.Tokenizer"/> overrides. They encode exactly as
/// <see cref="Encode"/> (added tokens split out and kept, as HF does with split_special_tokens=false) and add
/// what that API asks for: offsets, a token budget, and switching normalization or pre-tokenization off.
/// Offsets and <see cref="MlTokenizers.EncodeResults{T}.CharsConsumed"/> refer to the NFC-normalized text,
/// which is returned as NormalizedText when it differs from the input (null otherwise).
/// </summary>
public sealed partial class BpeTokenizer
{
    /// <summary>Our Rune-based pre-tokenizer (an ML.Tokenizers PreTokenizer).</summary>
    public override MlTokenizers.PreTokenizer? PreTokenizer => _preTokenizer;

    /// <summary>Our NFC when tokenizer.json asks for it, else null.</summary>
    public override MlTokenizers.Normalizer? Normalizer => _normalizeNfc ? NfcTextNormalizer.Instance : null;

    /// <summary>Encodes and returns each token with its vocabulary string and its range in the (normalized) text.</summary>
    public IReadOnlyList<MlTokenizers.EncodedToken> EncodeToTokens(string text, bool splitSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<MlTokenizers.EncodedToken>();
        Encode(text, new MlTokenizers.EncodeSettings { ConsiderNormalization = true, ConsiderPreTokenization = true, MaxTokenCount = int.MaxValue },
            splitSpecialTokens, new List<int>(), tokens, out _);
        return tokens;
    }

    /// <inheritdoc />
    protected override MlTokenizers.EncodeResults<MlTokenizers.EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, MlTokenizers.EncodeSettings settings)
    {
        var tokens = new List<MlTokenizers.EncodedToken>();
        string? normalized = Encode(text is null ? textSpan : text.AsSpan(), settings, false, new List<int>(), tokens, out int consumed);
        return new MlTokenizers.EncodeResults<MlTokenizers.EncodedToken> { Tokens = tokens, NormalizedText = normalized, CharsConsumed = consumed };
    }

    /// <inheritdoc />
    protected override MlTokenizers.EncodeResults<int> EncodeToIds(string? text, ReadOnlySpan<char> textSpan, MlTokenizers.EncodeSettings settings)
    {
        var ids = new List<int>();
        string? normalized = Encode(text is null ? textSpan : text.AsSpan(), settings, false, ids, null, out int consumed);
        return new MlTokenizers.EncodeResults<int> { Tokens = ids, NormalizedText = normalized, CharsConsumed = consumed };
    }

    /// <inheritdoc />
    protected override int CountTokens(string? text, ReadOnlySpan<char> textSpan, MlTokenizers.EncodeSettings settings) =>
        EncodeToIds(text, textSpan, settings).Tokens.Count;

    /// <inheritdoc />
    protected override int GetIndexByTokenCount(string? text, ReadOnlySpan<char> textSpan, MlTokenizers.EncodeSettings settings, bool fromEnd,
        out string? normalizedText, out int tokenCount)
    {
        var span = text is null ? textSpan : text.AsSpan();
        if (!fromEnd)
        {
            var ids = new List<int>();
            normalizedText = Encode(span, settings, false, ids, null, out int consumed);
            tokenCount = ids.Count;
            return consumed;
        }

        int max = settings.MaxTokenCount;
        if (max <= 0) throw new ArgumentOutOfRangeException(nameof(settings), max, "MaxTokenCount must be greater than zero");
        var tokens = new List<MlTokenizers.EncodedToken>();
        var all = settings;
        all.MaxTokenCount = int.MaxValue;
        normalizedText = Encode(span, all, false, new List<int>(), tokens, out int length);
        // Walk back over whole tokens; cut only where a token starts on a character of its own (a token that
        // begins inside a character shares it with the one before).
        int index = length;
        tokenCount = 0;
        for (int i = tokens.Count - 1; i >= 0 && tokens.Count - i <= max; i--)
        {
            int start = tokens[i].Offset.Start.Value;
            if (i > 0 && tokens[i - 1].Offset.End.Value > start) continue;
            index = start;
            tokenCount = tokens.Count - i;
        }
        return index;
    }

    /// <inheritdoc />
    public override string Decode(IEnumerable<int> ids) => Decode(ids, skipSpecialTokens: false);

    /// <summary>
    /// Decodes into <paramref name="destination"/> as far as it fits, never splitting a character: ids whose
    /// bytes end inside a character are consumed only together with the ids that complete it (or, at the end,
    /// with the U+FFFD that stands for the incomplete sequence, as <see cref="Decode(ReadOnlySpan{int}, bool)"/> writes).
    /// </summary>
    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        ArgumentNullException.ThrowIfNull(ids);
        idsConsumed = 0;
        charsWritten = 0;
        var stream = CreateStreamDecoder();
        int seen = 0, written = 0;
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_tokenBytes.Length || _tokenBytes[id] is null) return OperationStatus.InvalidData;
            seen++;
            if (!TryAppend(stream.Push(id), destination, ref written)) return OperationStatus.DestinationTooSmall;
            // Report only up to an id after which no bytes are held back, so that a caller resuming at
            // idsConsumed neither repeats nor loses text.
            if (stream.PendingByteCount == 0) (idsConsumed, charsWritten) = (seen, written);
        }
        if (!TryAppend(stream.Flush(), destination, ref written)) return OperationStatus.DestinationTooSmall;
        (idsConsumed, charsWritten) = (seen, written);
        return OperationStatus.Done;
    }

    private static bool TryAppend(string chunk, Span<char> destination, ref int written)
    {
        if (chunk.Length > destination.Length - written) return false;
        chunk.CopyTo(destination[written..]);
        written += chunk.Length;
        return true;
    }

    private readonly record struct Unit(int Start, int Length, int AddedId);

    /// <summary>
    /// The general encoder behind the ML.Tokenizers API: splits out added tokens, NFC-normalizes (when asked),
    /// pre-tokenizes (when asked) and BPE-encodes piece by piece until <see cref="MlTokenizers.EncodeSettings.MaxTokenCount"/>.
    /// A piece that does not fit whole keeps its leading tokens up to the last one that ends on a character
    /// boundary. Returns the normalized text when it differs from <paramref name="text"/>.
    /// </summary>
    private string? Encode(ReadOnlySpan<char> text, MlTokenizers.EncodeSettings settings, bool splitSpecialTokens,
        List<int> ids, List<MlTokenizers.EncodedToken>? tokens, out int charsConsumed)
    {
        int max = settings.MaxTokenCount;
        if (max <= 0) throw new ArgumentOutOfRangeException(nameof(settings), max, "MaxTokenCount must be greater than zero");

        var units = new List<Unit>();
        string? normalized = Segment(text, settings.ConsiderNormalization, splitSpecialTokens ? SkipSpecial : null, units);
        ReadOnlySpan<char> work = normalized ?? text;

        charsConsumed = 0;
        var pieces = new List<PieceRange>();
        foreach (var unit in units)
        {
            if (unit.AddedId >= 0)
            {
                if (ids.Count >= max) return normalized;
                ids.Add(unit.AddedId);
                tokens?.Add(new MlTokenizers.EncodedToken(unit.AddedId, IdToToken(unit.AddedId)!, new Range(unit.Start, unit.Start + unit.Length)));
                charsConsumed = unit.Start + unit.Length;
                continue;
            }
            var segment = work.Slice(unit.Start, unit.Length);
            pieces.Clear();
            if (settings.ConsiderPreTokenization) _preTokenizer.Split(segment, pieces);
            else pieces.Add(new PieceRange(0, segment.Length));
            foreach (var p in pieces)
            {
                int start = unit.Start + p.Start;
                var piece = work.Slice(start, p.Length);
                int before = ids.Count;
                _engine.EncodePiece(piece, ids);
                int produced = ids.Count - before;
                int fits = Math.Min(produced, max - before);
                int keptChars = tokens is null && fits == produced ? p.Length : AddPieceTokens(piece, start, ids, before, ref fits, tokens);
                if (fits < produced)
                {
                    ids.RemoveRange(before + fits, ids.Count - before - fits);
                    charsConsumed = start + keptChars;
                    return normalized;
                }
                charsConsumed = start + p.Length;
            }
        }
        return normalized;
    }

    /// <summary>
    /// Cuts <paramref name="text"/> into added-token units and text units (in normalized coordinates) and
    /// returns the normalized text when NFC changed some segment, else null.
    /// </summary>
    private string? Segment(ReadOnlySpan<char> text, bool normalize, Func<AddedToken, bool>? skip, List<Unit> units)
    {
        var raw = new List<AddedTokenMatcher.Match>();
        _rawMatcher.FindAll(text, raw, skip);
        StringBuilder? sb = null;
        int position = 0; // in the normalized text
        int last = 0;
        foreach (var m in raw)
        {
            if (m.Start > last) position = AddTextUnits(text, last, m.Start, position, normalize, skip, units, ref sb);
            units.Add(new Unit(position, m.End - m.Start, m.Token.Id));
            sb?.Append(text[m.Start..m.End]);
            position += m.End - m.Start;
            last = m.End;
        }
        if (last < text.Length) AddTextUnits(text, last, text.Length, position, normalize, skip, units, ref sb);
        return sb?.ToString();
    }

    private int AddTextUnits(ReadOnlySpan<char> text, int from, int to, int position, bool normalize, Func<AddedToken, bool>? skip,
        List<Unit> units, ref StringBuilder? sb)
    {
        ReadOnlySpan<char> segment = text[from..to];
        if (normalize && _normalizeNfc && !NfcNormalizer.IsTriviallyNormalized(segment))
        {
            string nfc = NfcNormalizer.Normalize(segment.ToString());
            if (!segment.SequenceEqual(nfc))
            {
                // Everything before this segment was left as it was, so the normalized text so far is the input so far.
                sb ??= new StringBuilder(text.Length + 16).Append(text[..from]);
                segment = nfc;
            }
        }
        sb?.Append(segment);

        var matches = new List<AddedTokenMatcher.Match>();
        if (!_normalizedMatcher.IsEmpty) _normalizedMatcher.FindAll(segment, matches, skip);
        int last = 0;
        foreach (var m in matches)
        {
            if (m.Start > last) units.Add(new Unit(position + last, m.Start - last, -1));
            units.Add(new Unit(position + m.Start, m.End - m.Start, m.Token.Id));
            last = m.End;
        }
        if (last < segment.Length) units.Add(new Unit(position + last, segment.Length - last, -1));
        return position + segment.Length;
    }

    /// <summary>
    /// Adds the first <paramref name="count"/> tokens of a piece (ids from <paramref name="first"/>) to
    /// <paramref name="tokens"/> with their character ranges, lowering <paramref name="count"/> to the last token
    /// that ends on a character boundary; returns the characters those tokens cover.
    /// </summary>
    private int AddPieceTokens(ReadOnlySpan<char> piece, int pieceStart, List<int> ids, int first, ref int count, List<MlTokenizers.EncodedToken>? tokens)
    {
        // Char and UTF-8 start of every scalar (a lone surrogate is U+FFFD, three bytes, as encoding makes it).
        int[] runeChar = ArrayPool<int>.Shared.Rent(piece.Length + 1);
        int[] runeByte = ArrayPool<int>.Shared.Rent(piece.Length + 1);
        try
        {
            int runes = 0, bytes = 0;
            for (int i = 0; i < piece.Length; runes++)
            {
                Rune.DecodeFromUtf16(piece[i..], out var rune, out int used);
                runeChar[runes] = i;
                runeByte[runes] = bytes;
                bytes += rune.Utf8SequenceLength;
                i += used;
            }
            runeChar[runes] = piece.Length;
            runeByte[runes] = bytes;

            int keptTokens = 0, keptChars = 0;
            int byteOffset = 0, r = 0;
            var pending = new List<MlTokenizers.EncodedToken>();
            for (int t = 0; t < count; t++)
            {
                int id = ids[first + t];
                int startChar = runeChar[r]; // the scalar holding the token's first byte
                byteOffset += _tokenBytes[id]!.Length;
                while (r < runes && runeByte[r + 1] <= byteOffset) r++;
                bool onBoundary = runeByte[r] == byteOffset;
                int endChar = onBoundary ? runeChar[r] : runeChar[r + 1]; // ending inside a scalar still covers it
                pending.Add(new MlTokenizers.EncodedToken(id, IdToToken(id)!, new Range(pieceStart + startChar, pieceStart + endChar)));
                if (!onBoundary) continue;
                keptTokens = t + 1;
                keptChars = runeChar[r];
                tokens?.AddRange(pending);
                pending.Clear();
            }
            count = keptTokens;
            return keptChars;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(runeChar);
            ArrayPool<int>.Shared.Return(runeByte);
        }
    }
}
