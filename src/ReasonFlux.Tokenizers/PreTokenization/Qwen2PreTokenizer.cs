using System.Globalization;
using System.Text;

namespace ReasonFlux.Tokenizers.PreTokenization;

/// <summary>
/// The Qwen2 Split pattern, <see cref="Pattern"/>, implemented as a scanner over Unicode scalar values so
/// astral letters and digits classify as HF's Oniguruma classifies them. At each position the seven
/// alternatives are tried in order (leftmost-first), with the backtracking each one would do:
/// <list type="number">
/// <item>'s 't 're 've 'm 'll 'd, case-insensitive;</item>
/// <item>one optional char that is not CR/LF/letter/number, then a letter run;</item>
/// <item>one number (Llama-3's pattern, <see cref="Llama3Pattern"/>: one to three);</item>
/// <item>an optional space, a run of chars that are not whitespace/letter/number, then any CR/LF run;</item>
/// <item>a whitespace run up to and including its last CR/LF;</item>
/// <item>a whitespace run minus its last char when a non-whitespace char follows (all of it at the end);</item>
/// <item>any whitespace run.</item>
/// </list>
/// Whitespace is Unicode White_Space (Oniguruma's \s, .NET's <see cref="Rune.IsWhiteSpace"/>).
/// </summary>
public sealed class Qwen2PreTokenizer : PreTokenizer
{
    /// <summary>The pattern transformers' Qwen2Converter writes into tokenizer.json.</summary>
    public const string Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Llama-3's pattern (also DeepSeek-R1-Distill-Llama's): the same but with numbers of up to three digits.</summary>
    public const string Llama3Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private readonly int _maxNumberLength;

    /// <summary>The Qwen2 scanner, or with <paramref name="maxNumberLength"/> 3 the Llama-3 one.</summary>
    public Qwen2PreTokenizer(int maxNumberLength = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxNumberLength, 1);
        _maxNumberLength = maxNumberLength;
    }

    private enum CharClass : byte { Other, Letter, Number, Space, Newline }

    private static readonly CharClass[] AsciiClasses = BuildAsciiClasses();

    /// <inheritdoc />
    public override void Split(ReadOnlySpan<char> text, List<PieceRange> pieces)
    {
        int i = 0;
        while (i < text.Length)
        {
            int end = MatchAt(text, i, _maxNumberLength);
            pieces.Add(new PieceRange(i, end - i));
            i = end;
        }
    }

    /// <summary>The end (exclusive) of the match that starts at <paramref name="i"/>; always greater than <paramref name="i"/>.</summary>
    private static int MatchAt(ReadOnlySpan<char> text, int i, int maxNumberLength)
    {
        char first = text[i];
        var cls = Classify(text, i, out int len);

        // 1. Contractions.
        if (first == '\'' && i + 1 < text.Length)
        {
            int contraction = MatchContraction(text, i + 1);
            if (contraction > 0) return i + 1 + contraction;
        }

        // 2. [^\r\n\p{L}\p{N}]?\p{L}+
        if (cls == CharClass.Letter) return LetterRunEnd(text, i + len);
        if (cls is CharClass.Other or CharClass.Space && i + len < text.Length
            && Classify(text, i + len, out int nextLen) == CharClass.Letter)
            return LetterRunEnd(text, i + len + nextLen);

        // 3. \p{N} (Llama-3: \p{N}{1,3}), counted in code points
        if (cls == CharClass.Number)
        {
            int end = i + len;
            for (int n = 1; n < maxNumberLength && end < text.Length && Classify(text, end, out int l) == CharClass.Number; n++) end += l;
            return end;
        }

        // 4. " ?[^\s\p{L}\p{N}]+[\r\n]*"
        if (first == ' ' && i + 1 < text.Length && Classify(text, i + 1, out _) == CharClass.Other)
            return NewlineRunEnd(text, OtherRunEnd(text, i + 1));
        if (cls == CharClass.Other)
            return NewlineRunEnd(text, OtherRunEnd(text, i));

        // Whitespace from here on: alternatives 5, 6, 7 all start with the whitespace run.
        int runEnd = i;
        int lastNewlineEnd = -1;
        int lastCharStart = i;
        while (runEnd < text.Length)
        {
            var c = Classify(text, runEnd, out int l);
            if (c == CharClass.Newline) lastNewlineEnd = runEnd + l;
            else if (c != CharClass.Space) break;
            lastCharStart = runEnd;
            runEnd += l;
        }
        // 5. \s*[\r\n]+
        if (lastNewlineEnd > 0) return lastNewlineEnd;
        // 6. \s+(?!\S)
        if (runEnd == text.Length) return runEnd;
        if (lastCharStart > i) return lastCharStart;
        // 7. \s+
        return runEnd;
    }

    /// <summary>Length after the apostrophe of a contraction at <paramref name="j"/>, or 0.</summary>
    private static int MatchContraction(ReadOnlySpan<char> text, int j)
    {
        char a = FoldAscii(text[j]);
        if (a is 's' or 't' or 'm' or 'd') return 1;
        if (j + 1 < text.Length)
        {
            char b = FoldAscii(text[j + 1]);
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 2;
        }
        return 0;
    }

    // Oniguruma's case-insensitive match uses Unicode case folding: besides ASCII, U+017F (long s) folds to 's'
    // and U+212A (Kelvin) to 'k'; only 's' matters for this pattern.
    private static char FoldAscii(char c) => c switch
    {
        >= 'A' and <= 'Z' => (char)(c + 32),
        '\u017F' => 's',
        _ => c,
    };

    private static int LetterRunEnd(ReadOnlySpan<char> text, int j)
    {
        while (j < text.Length && Classify(text, j, out int l) == CharClass.Letter) j += l;
        return j;
    }

    private static int OtherRunEnd(ReadOnlySpan<char> text, int j)
    {
        while (j < text.Length && Classify(text, j, out int l) == CharClass.Other) j += l;
        return j;
    }

    private static int NewlineRunEnd(ReadOnlySpan<char> text, int j)
    {
        while (j < text.Length && text[j] is '\r' or '\n') j++;
        return j;
    }

    private static CharClass Classify(ReadOnlySpan<char> text, int i, out int length)
    {
        char c = text[i];
        length = 1;
        if (c < 128) return AsciiClasses[c];
        if (!char.IsSurrogate(c)) return ClassifyCategory(CharUnicodeInfo.GetUnicodeCategory(c), c);
        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
        {
            length = 2;
            var rune = new Rune(c, text[i + 1]);
            return ClassifyCategory(Rune.GetUnicodeCategory(rune), ' ');
        }
        return CharClass.Other; // a lone surrogate becomes U+FFFD in UTF-8, which is a symbol
    }

    private static CharClass ClassifyCategory(UnicodeCategory category, char bmpChar)
    {
        switch (category)
        {
            case UnicodeCategory.UppercaseLetter:
            case UnicodeCategory.LowercaseLetter:
            case UnicodeCategory.TitlecaseLetter:
            case UnicodeCategory.ModifierLetter:
            case UnicodeCategory.OtherLetter:
                return CharClass.Letter;
            case UnicodeCategory.DecimalDigitNumber:
            case UnicodeCategory.LetterNumber:
            case UnicodeCategory.OtherNumber:
                return CharClass.Number;
            case UnicodeCategory.SpaceSeparator:
            case UnicodeCategory.LineSeparator:
            case UnicodeCategory.ParagraphSeparator:
                return CharClass.Space;
            default:
                // U+0085 (NEL) is a control char yet White_Space.
                return bmpChar == '\u0085' ? CharClass.Space : CharClass.Other;
        }
    }

    private static CharClass[] BuildAsciiClasses()
    {
        var table = new CharClass[128];
        for (int c = 0; c < 128; c++)
        {
            table[c] = c switch
            {
                '\r' or '\n' => CharClass.Newline,
                '\t' or '\v' or '\f' or ' ' => CharClass.Space,
                >= 'a' and <= 'z' or >= 'A' and <= 'Z' => CharClass.Letter,
                >= '0' and <= '9' => CharClass.Number,
                _ => CharClass.Other,
            };
        }
        return table;
    }
}
