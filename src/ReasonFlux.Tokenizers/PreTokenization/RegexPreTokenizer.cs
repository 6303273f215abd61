using System.Text.RegularExpressions;

namespace ReasonFlux.Tokenizers.PreTokenization;

/// <summary>
/// Split with behavior "Isolated" using .NET Regex: every match is a piece and so is every gap between
/// matches. Caveat: .NET Regex matches UTF-16 code units, so an astral-plane letter or digit (𝐀, 𝟙) is two
/// surrogates of category Cs rather than \p{L}/\p{N}, and text containing them can split differently from
/// HF (Oniguruma works on code points). The Qwen2 pattern avoids this through <see cref="Qwen2PreTokenizer"/>.
/// </summary>
public sealed class RegexPreTokenizer : PreTokenizer
{
    private readonly Regex _regex;

    /// <summary>Compiles <paramref name="pattern"/>; a pattern .NET cannot parse is an <see cref="ArgumentException"/> naming it.</summary>
    public RegexPreTokenizer(string pattern)
    {
        try
        {
            _regex = new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(30));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"pre-tokenizer pattern {pattern} is not supported by .NET Regex: {e.Message}", e);
        }
        Pattern = pattern;
    }

    /// <summary>The regex source.</summary>
    public string Pattern { get; }

    /// <inheritdoc />
    public override void Split(ReadOnlySpan<char> text, List<PieceRange> pieces)
    {
        int last = 0;
        foreach (var match in _regex.EnumerateMatches(text))
        {
            if (match.Length == 0) continue;
            if (match.Index > last) pieces.Add(new PieceRange(last, match.Index - last));
            pieces.Add(new PieceRange(match.Index, match.Length));
            last = match.Index + match.Length;
        }
        if (last < text.Length) pieces.Add(new PieceRange(last, text.Length - last));
    }
}
