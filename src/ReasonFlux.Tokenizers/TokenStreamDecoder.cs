using System.Buffers;
using System.Text;

namespace ReasonFlux.Tokenizers;

/// <summary>
/// Incremental decoding for generation: <see cref="Push"/> returns the text that the ids so far complete,
/// holding back a trailing UTF-8 sequence that more bytes could still complete (a token can end half-way
/// through a character). Concatenating every <see cref="Push"/> result and <see cref="Flush"/> gives exactly
/// <see cref="BpeTokenizer.Decode(ReadOnlySpan{int}, bool)"/> of all the ids. Not thread-safe.
/// </summary>
public sealed class TokenStreamDecoder
{
    private readonly BpeTokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    private readonly ArrayBufferWriter<byte> _pending = new(16);

    internal TokenStreamDecoder(BpeTokenizer tokenizer, bool skipSpecialTokens)
    {
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
    }

    /// <summary>Number of bytes currently held back.</summary>
    public int PendingByteCount => _pending.WrittenCount;

    /// <summary>Adds one id; returns the newly complete text (possibly empty).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is not in the vocabulary.</exception>
    public string Push(int id)
    {
        _tokenizer.AppendTokenBytes(id, _skipSpecialTokens, _pending);
        var bytes = _pending.WrittenSpan;
        int keep = IncompleteTailLength(bytes);
        if (keep == bytes.Length) return string.Empty;
        string text = Encoding.UTF8.GetString(bytes[..^keep]);
        byte[] tail = bytes[^keep..].ToArray();
        _pending.Clear();
        _pending.Write(tail);
        return text;
    }

    /// <summary>Returns whatever is held back, with U+FFFD for an incomplete sequence, and resets.</summary>
    public string Flush()
    {
        string text = Encoding.UTF8.GetString(_pending.WrittenSpan);
        _pending.Clear();
        return text;
    }

    /// <summary>
    /// Length of the longest suffix that is a proper prefix of a valid UTF-8 sequence (0 to 3 bytes); such a
    /// tail may still become a character, anything else already decodes the same whatever follows.
    /// </summary>
    internal static int IncompleteTailLength(ReadOnlySpan<byte> bytes)
    {
        for (int back = 1; back <= Math.Min(3, bytes.Length); back++)
        {
            byte b = bytes[^back];
            if ((b & 0xC0) == 0x80) continue; // continuation byte: keep looking for the lead
            int need = b >= 0xF0 && b <= 0xF4 ? 4 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xC2 && b <= 0xDF ? 2 : 0;
            if (need <= back) return 0; // ASCII, invalid lead, or a complete sequence
            return IsValidPrefix(bytes[^back..]) ? back : 0;
        }
        return 0;
    }

    // The second byte of E0/ED/F0/F4 sequences has a narrower range (no overlongs, surrogates or > U+10FFFF).
    private static bool IsValidPrefix(ReadOnlySpan<byte> seq)
    {
        if (seq.Length < 2) return true;
        byte lead = seq[0], second = seq[1];
        bool secondOk = lead switch
        {
            0xE0 => second is >= 0xA0 and <= 0xBF,
            0xED => second is >= 0x80 and <= 0x9F,
            0xF0 => second is >= 0x90 and <= 0xBF,
            0xF4 => second is >= 0x80 and <= 0x8F,
            _ => (second & 0xC0) == 0x80,
        };
        if (!secondOk) return false;
        for (int i = 2; i < seq.Length; i++)
            if ((seq[i] & 0xC0) != 0x80) return false;
        return true;
    }
}
