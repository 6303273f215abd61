using ReasonFlux.Grading.Normalization;
using ReasonFlux.Grading.Numerics;
using ReasonFlux.Grading.Parsing;

namespace ReasonFlux.Grading.Equivalence;

/// <summary>An answer string after normalisation and (when possible) parsing.</summary>
internal sealed class ParsedAnswer
{
    public required string Raw { get; init; }
    public required string Normalized { get; init; }
    public required bool Percent { get; init; }
    /// <summary>The parse tree, or null when the answer is not parseable mathematics (compared as text).</summary>
    public MathNode? Node { get; init; }
    /// <summary>Set when the whole answer is one letter, possibly wrapped: "C", "(C)", "\text{(C)}".</summary>
    public char? SingleLetter { get; init; }

    public static ParsedAnswer Create(string raw, ComputeBudget budget)
    {
        var normalized = AnswerNormalizer.Normalize(raw);
        var text = normalized.Text;
        MathNode? node = null;
        if (text.Length > 0 && text.Length <= 4000)
        {
            try
            {
                node = LatexParser.Parse(text, budget);
                if (node is not TextNode && HasEmbeddedText(node)) node = new TextNode(TextNormalizer.Canonical(text));
            }
            catch (MathParseException)
            {
                node = null;
            }
        }
        return new ParsedAnswer
        {
            Raw = raw,
            Normalized = text,
            Percent = normalized.Percent,
            Node = node,
            SingleLetter = ReadSingleLetter(text),
        };
    }

    /// <summary>Free text glued into arithmetic ("Evelyn" read as E·v·e·l·y·n never happens: the whole answer is text).</summary>
    private static bool HasEmbeddedText(MathNode node)
    {
        if (node is SequenceNode seq) return seq.Items.Any(i => i is not TextNode && HasEmbeddedText(i));
        return NodeOps.Contains<TextNode>(node);
    }

    private static char? ReadSingleLetter(string text)
    {
        var s = text.Replace("\\text", "", StringComparison.Ordinal).Replace("\\textbf", "", StringComparison.Ordinal)
                    .Replace("\\mathrm", "", StringComparison.Ordinal);
        char? letter = null;
        foreach (var ch in s)
        {
            if (ch is '{' or '}' or '(' or ')' or ' ' or '.' or ':') continue;
            if (!char.IsAsciiLetter(ch) || letter is not null) return null;
            letter = ch;
        }
        return letter;
    }
}
