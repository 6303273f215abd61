using System.Text;

namespace ReasonFlux.Tokenizers.Normalization;

/// <summary>
/// Unicode NFC (canonical decomposition, canonical ordering, canonical composition) over code points.
/// Carried here because with InvariantGlobalization (set repo-wide) <see cref="string.Normalize()"/>
/// returns its input unchanged. Tables come from <c>NfcTables.g.cs</c> (Unicode
/// <see cref="NfcTables.UnicodeVersion"/>); code points assigned after that version are left as they are.
/// </summary>
public static class NfcNormalizer
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly Dictionary<int, int> DecompositionIndex = BuildDecompositionIndex();
    private static readonly Dictionary<long, int> CompositionMap = BuildCompositionMap();
    private static readonly int FirstUnsafe = NfcTables.UnsafeRanges[0];

    /// <summary>The Unicode version of the tables (Python unicodedata's, see generate_nfc_tables.py).</summary>
    public static string UnicodeVersion => NfcTables.UnicodeVersion;

    /// <summary>The NFC form of <paramref name="text"/>; the same instance when it is already NFC.</summary>
    public static string Normalize(string text)
    {
        int firstUnsafe = FindFirstUnsafe(text);
        if (firstUnsafe < 0) return text;
        // Back up to the start of the character run that the unsafe code point may interact with.
        int start = firstUnsafe;
        while (start > 0 && !IsSafeChar(text, start - 1)) start--;
        if (start > 0) start--; // the preceding starter may compose with what follows
        if (start > 0 && char.IsLowSurrogate(text[start]) && char.IsHighSurrogate(text[start - 1])) start--;

        var sb = new StringBuilder(text.Length + 8);
        sb.Append(text, 0, start);
        var buffer = new List<int>(text.Length - start);
        DecomposeInto(text.AsSpan(start), buffer);
        ReorderCanonically(buffer);
        Compose(buffer);
        foreach (int cp in buffer) AppendCodePoint(sb, cp);
        string result = sb.ToString();
        return result == text ? text : result;
    }

    /// <summary>True when <paramref name="text"/> contains only code points that NFC never changes in any context.</summary>
    public static bool IsTriviallyNormalized(ReadOnlySpan<char> text) => FindFirstUnsafe(text) < 0;

    private static int FindFirstUnsafe(ReadOnlySpan<char> text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c < FirstUnsafe) continue;
            if (!IsSafeChar(text, i)) return i;
        }
        return -1;
    }

    private static bool IsSafeChar(ReadOnlySpan<char> text, int i)
    {
        char c = text[i];
        if (c < FirstUnsafe) return true;
        int cp = c;
        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            cp = char.ConvertToUtf32(c, text[i + 1]);
        else if (char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(text[i - 1]))
            cp = char.ConvertToUtf32(text[i - 1], c);
        return !InRanges(NfcTables.UnsafeRanges, cp, stride: 2);
    }

    private static void DecomposeInto(ReadOnlySpan<char> text, List<int> output)
    {
        int i = 0;
        while (i < text.Length)
        {
            int cp;
            if (Rune.DecodeFromUtf16(text[i..], out var rune, out int consumed) == System.Buffers.OperationStatus.Done)
                cp = rune.Value;
            else
                cp = text[i]; // a lone surrogate passes through untouched
            i += consumed > 0 ? consumed : 1;
            DecomposeCodePoint(cp, output);
        }
    }

    private static void DecomposeCodePoint(int cp, List<int> output)
    {
        if (cp >= SBase && cp < SBase + SCount)
        {
            int s = cp - SBase;
            output.Add(LBase + s / NCount);
            output.Add(VBase + s % NCount / TCount);
            int t = s % TCount;
            if (t != 0) output.Add(TBase + t);
            return;
        }
        if (DecompositionIndex.TryGetValue(cp, out int index))
        {
            var offsets = NfcTables.DecompositionOffsets;
            for (int k = offsets[index]; k < offsets[index + 1]; k++)
                DecomposeCodePoint(NfcTables.DecompositionValues[k], output);
            return;
        }
        output.Add(cp);
    }

    private static void ReorderCanonically(List<int> cps)
    {
        // Stable insertion sort of each run of non-starters by combining class.
        for (int i = 1; i < cps.Count; i++)
        {
            int cc = CombiningClass(cps[i]);
            if (cc == 0) continue;
            int j = i;
            int cp = cps[i];
            while (j > 0)
            {
                int prev = CombiningClass(cps[j - 1]);
                if (prev <= cc) break;
                cps[j] = cps[j - 1];
                j--;
            }
            cps[j] = cp;
        }
    }

    private static void Compose(List<int> cps)
    {
        if (cps.Count == 0) return;
        int starterIndex = CombiningClass(cps[0]) == 0 ? 0 : -1;
        int write = 1;
        int lastClass = starterIndex == 0 ? 0 : 256;
        for (int read = 1; read < cps.Count; read++)
        {
            int cp = cps[read];
            int cc = CombiningClass(cp);
            if (starterIndex >= 0)
            {
                bool blocked = write - 1 != starterIndex && (lastClass == 0 || lastClass >= cc);
                if (!blocked && TryCompose(cps[starterIndex], cp, out int composite))
                {
                    cps[starterIndex] = composite;
                    continue;
                }
            }
            if (cc == 0) starterIndex = write;
            lastClass = cc;
            cps[write++] = cp;
        }
        cps.RemoveRange(write, cps.Count - write);
    }

    private static bool TryCompose(int first, int second, out int composite)
    {
        if (first >= LBase && first < LBase + LCount && second >= VBase && second < VBase + VCount)
        {
            composite = SBase + ((first - LBase) * VCount + (second - VBase)) * TCount;
            return true;
        }
        if (first >= SBase && first < SBase + SCount && (first - SBase) % TCount == 0
            && second > TBase && second < TBase + TCount)
        {
            composite = first + (second - TBase);
            return true;
        }
        return CompositionMap.TryGetValue(((long)first << 21) | (uint)second, out composite);
    }

    /// <summary>The canonical combining class of a code point (0 for starters).</summary>
    public static int CombiningClass(int cp)
    {
        var ranges = NfcTables.CombiningClassRanges;
        int lo = 0, hi = ranges.Length / 3 - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            if (cp < ranges[mid * 3]) hi = mid - 1;
            else if (cp > ranges[mid * 3 + 1]) lo = mid + 1;
            else return ranges[mid * 3 + 2];
        }
        return 0;
    }

    private static bool InRanges(ReadOnlySpan<int> ranges, int cp, int stride)
    {
        int lo = 0, hi = ranges.Length / stride - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            if (cp < ranges[mid * stride]) hi = mid - 1;
            else if (cp > ranges[mid * stride + 1]) lo = mid + 1;
            else return true;
        }
        return false;
    }

    private static void AppendCodePoint(StringBuilder sb, int cp)
    {
        if (cp < 0x10000) sb.Append((char)cp);
        else sb.Append(char.ConvertFromUtf32(cp));
    }

    private static Dictionary<int, int> BuildDecompositionIndex()
    {
        var keys = NfcTables.DecompositionKeys;
        var map = new Dictionary<int, int>(keys.Length);
        for (int i = 0; i < keys.Length; i++) map[keys[i]] = i;
        return map;
    }

    private static Dictionary<long, int> BuildCompositionMap()
    {
        var triples = NfcTables.Compositions;
        var map = new Dictionary<long, int>(triples.Length / 3);
        for (int i = 0; i < triples.Length; i += 3)
            map[((long)triples[i] << 21) | (uint)triples[i + 1]] = triples[i + 2];
        return map;
    }
}
