using System.Globalization;
using System.Text.RegularExpressions;

namespace ReasonFlux.PrmData.Judging;

/// <summary>
/// Reads a [0, 1] score out of a judge reply. Accepted: a labelled score anywhere ("Score: 7/10", "score = 0.8",
/// "**Score:** 85%"; the last label wins), or a reply that is nothing but the value ("0.8", "7/10", "8 out of 10",
/// "85%", "\boxed{0.8}"). Fractions and percentages carry their scale; a bare number is divided by
/// <c>bareNumberScale</c>. Anything else, or a value outside [0, 1] after scaling, is unparsable, so a judge that
/// rambles ("step 3 looks fine") never turns into a score by accident.
/// </summary>
public static partial class JudgeScoreParser
{
    private const string Value =
        @"(?<num>[+-]?\d+(?:\.\d+)?|[+-]?\.\d+)\s*(?:(?<pct>%)|(?:/|\s+out\s+of\s+)\s*(?<den>\d+(?:\.\d+)?))?";

    // NonBacktracking: the runs of \s* made an 87-byte reply of spaces take over 10 s (found by tests/fuzz); judge
    // replies come from outside, so matching must stay linear in the reply's length.
    [GeneratedRegex(@"score\s*\**\s*[:=]?\s*\**\s*(?:is\s+)?" + Value, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex Labelled();

    [GeneratedRegex(@"^\s*(?:\\boxed\{\s*)?\**\s*" + Value + @"\s*\**\s*\}?\s*\.?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex Bare();

    /// <summary>Parses <paramref name="reply"/>; false when no score can be read or it falls outside [0, 1].</summary>
    public static bool TryParse(string? reply, double bareNumberScale, out double score)
    {
        score = double.NaN;
        if (string.IsNullOrWhiteSpace(reply) || !(bareNumberScale > 0)) return false;
        var labelled = Labelled().Matches(reply);
        Match? m = labelled.Count > 0 ? labelled[^1] : null;
        if (m is null)
        {
            var bare = Bare().Match(reply);
            if (!bare.Success) return false;
            m = bare;
        }
        if (!double.TryParse(m.Groups["num"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var num)) return false;
        double value;
        if (m.Groups["pct"].Success) value = num / 100.0;
        else if (m.Groups["den"].Success)
        {
            if (!double.TryParse(m.Groups["den"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var den) || !(den > 0)) return false;
            value = num / den;
        }
        else value = num / bareNumberScale;
        if (double.IsNaN(value) || value < 0 || value > 1) return false;
        score = value;
        return true;
    }
}
