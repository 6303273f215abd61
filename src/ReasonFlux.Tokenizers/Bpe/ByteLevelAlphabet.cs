namespace ReasonFlux.Tokenizers.Bpe;

/// <summary>
/// GPT-2's byte-to-unicode table: printable bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') map to themselves, the other
/// 68 bytes map in order to U+0100.. (space → 'Ġ', '\n' → 'Ċ'), so every byte sequence is a string of
/// visible characters that BPE vocabularies can key on.
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToCharTable = BuildByteToChar();
    private static readonly short[] CharToByteTable = BuildCharToByte();

    /// <summary>The character that stands for <paramref name="b"/>.</summary>
    public static char ByteToChar(byte b) => ByteToCharTable[b];

    /// <summary>The byte a byte-level character stands for, or -1 when <paramref name="c"/> is not one.</summary>
    public static int CharToByte(char c) => c < CharToByteTable.Length ? CharToByteTable[c] : -1;

    /// <summary>Maps a UTF-8 byte string to its byte-level characters (one char per byte).</summary>
    public static string BytesToString(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes.ToArray(), static (dst, src) =>
        {
            for (int i = 0; i < src.Length; i++) dst[i] = ByteToCharTable[src[i]];
        });
    }

    /// <summary>
    /// The bytes a token string stands for; null when some character is not a byte-level character
    /// (added tokens like "<｜User｜>"), in which case HF's ByteLevel decoder uses the token's own UTF-8.
    /// </summary>
    public static byte[]? TryStringToBytes(string token)
    {
        var bytes = new byte[token.Length];
        for (int i = 0; i < token.Length; i++)
        {
            int b = CharToByte(token[i]);
            if (b < 0) return null;
            bytes[i] = (byte)b;
        }
        return bytes;
    }

    private static char[] BuildByteToChar()
    {
        var table = new char[256];
        var assigned = new bool[256];
        for (int b = '!'; b <= '~'; b++) { table[b] = (char)b; assigned[b] = true; }
        for (int b = 0xA1; b <= 0xAC; b++) { table[b] = (char)b; assigned[b] = true; }
        for (int b = 0xAE; b <= 0xFF; b++) { table[b] = (char)b; assigned[b] = true; }
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            if (assigned[b]) continue;
            table[b] = (char)(256 + next++);
        }
        return table;
    }

    private static short[] BuildCharToByte()
    {
        var table = new short[512];
        Array.Fill(table, (short)-1);
        for (int b = 0; b < 256; b++) table[ByteToCharTable[b]] = (short)b;
        return table;
    }
}
