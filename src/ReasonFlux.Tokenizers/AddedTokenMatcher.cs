using System.Buffers;

namespace ReasonFlux.Tokenizers;

/// <summary>
/// Finds added tokens in text the way HF's AddedVocabulary does: non-overlapping, leftmost-longest
/// (the Aho-Corasick LeftmostLongest semantics), honouring single_word, lstrip and rstrip.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Dictionary<char, AddedToken[]> _byFirstChar;
    private readonly SearchValues<char> _firstChars;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        _byFirstChar = tokens
            .Where(t => t.Content.Length > 0)
            .GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ThenBy(t => t.Id).ToArray());
        _firstChars = SearchValues.Create(_byFirstChar.Keys.ToArray());
        IsEmpty = _byFirstChar.Count == 0;
    }

    public bool IsEmpty { get; }

    /// <summary>A match: the token and the text range it takes (wider than its content when lstrip/rstrip apply).</summary>
    public readonly record struct Match(AddedToken Token, int Start, int End);

    /// <summary>
    /// Appends the matches in <paramref name="text"/>, in order and non-overlapping.
    /// <paramref name="skip"/> excludes tokens (split_special_tokens mode skips the special ones).
    /// </summary>
    public void FindAll(ReadOnlySpan<char> text, List<Match> matches, Func<AddedToken, bool>? skip = null)
    {
        if (IsEmpty) return;
        int searchFrom = 0;
        int consumedUpTo = 0;
        while (searchFrom < text.Length)
        {
            int rel = text[searchFrom..].IndexOfAny(_firstChars);
            if (rel < 0) break;
            int pos = searchFrom + rel;
            var token = LongestAt(text, pos, skip);
            if (token is null)
            {
                searchFrom = pos + 1;
                continue;
            }
            int start = pos, end = pos + token.Content.Length;
            if (token.SingleWord && !IsSingleWord(text, start, end))
            {
                // HF discards this match and resumes after it (the automaton does not re-scan inside it).
                searchFrom = end;
                continue;
            }
            if (token.LStrip)
            {
                int s = start;
                while (s > consumedUpTo && char.IsWhiteSpace(text[s - 1])) s--;
                start = s;
            }
            if (token.RStrip)
            {
                while (end < text.Length && char.IsWhiteSpace(text[end])) end++;
            }
            matches.Add(new Match(token, start, end));
            consumedUpTo = end;
            searchFrom = end;
        }
    }

    private AddedToken? LongestAt(ReadOnlySpan<char> text, int pos, Func<AddedToken, bool>? skip)
    {
        if (!_byFirstChar.TryGetValue(text[pos], out var candidates)) return null;
        var rest = text[pos..];
        foreach (var token in candidates)
        {
            if (rest.StartsWith(token.Content, StringComparison.Ordinal) && (skip is null || !skip(token)))
                return token;
        }
        return null;
    }

    private static bool IsSingleWord(ReadOnlySpan<char> text, int start, int end)
    {
        bool wordBefore = start > 0 && IsWordChar(text[start - 1]);
        bool wordAfter = end < text.Length && IsWordChar(text[end]);
        return !wordBefore && !wordAfter;
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';
}
