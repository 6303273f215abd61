using System.Text.Json.Nodes;

namespace ReasonFlux.Models.Heads;

/// <summary>Where a two-class PRM reads each step.</summary>
public enum PrmReadPosition
{
    /// <summary>At the separator token after the step (ReasonFlux-PRM-7B, Qwen2.5-Math-PRM).</summary>
    Separator,

    /// <summary>At the step's own last token, the one before its separator.</summary>
    StepEnd,
}

/// <summary>
/// How a two-class PRM reads a step, kept in its config.json under <see cref="ConfigKey"/>; a folder without the key
/// is read as the paper's PRMs are (<see cref="Paper"/>). The variants exist because a small PRM trained from its own
/// policy could not learn the step check at a separator token it had never seen, while the same weights read at the
/// step's last token, given the policy's own likelihood of that token, could (docs/experiments/quickstart-prm-probe.md).
/// </summary>
public sealed record PrmReadout
{
    public const string ConfigKey = "reasonflux_readout";

    /// <summary>Where each step (and the answer segment) is read.</summary>
    public PrmReadPosition At { get; init; } = PrmReadPosition.Separator;

    /// <summary>
    /// The text the backbone reads in place of each separator token, e.g. "\n\n" so that it sees the trajectory as
    /// its policy wrote it; null: the separator token itself.
    /// </summary>
    public string? SeparatorShownAs { get; init; }

    /// <summary>
    /// The head also reads the backbone's own log-probability of the token at the read position, as
    /// [max(log p, −20) / 5, p] after the hidden state (score.0 then takes H + 2 inputs).
    /// </summary>
    public bool TokenLikelihood { get; init; }

    /// <summary>
    /// The head also reads the lowest log-probability the backbone gives any token of the segment, from its first
    /// token to the read position, as [max(min log p, −20) / 5, its p] (two more inputs, after the token likelihood's).
    /// A step that copies a wrong operand from the problem can end in a digit the backbone expects; its dip is earlier.
    /// </summary>
    public bool StepMinLikelihood { get; init; }

    /// <summary>Features the head reads besides the hidden state.</summary>
    public int ExtraFeatures => (TokenLikelihood ? 2 : 0) + (StepMinLikelihood ? 2 : 0);

    /// <summary>The head needs the backbone's token log-probabilities (and so its lm_head).</summary>
    public bool ReadsLikelihood => TokenLikelihood || StepMinLikelihood;

    /// <summary>ReasonFlux-PRM-7B's readout: P(class 1) of the hidden state at each separator token.</summary>
    public static PrmReadout Paper { get; } = new();

    /// <summary>The readout a config.json declares; <paramref name="where"/> names the file in errors.</summary>
    public static PrmReadout FromConfig(JsonObject? config, string where)
    {
        if (config is null || !config.TryGetPropertyValue(ConfigKey, out var node) || node is null) return Paper;
        if (node is not JsonObject o) throw new InvalidDataException($"{where}: \"{ConfigKey}\" must be an object");
        foreach (var (key, _) in o)
            if (key is not ("at" or "separator_shown_as" or "token_likelihood" or "step_min_likelihood"))
                throw new InvalidDataException($"{where}: \"{ConfigKey}\" has an unknown key \"{key}\" (known: at, separator_shown_as, token_likelihood, step_min_likelihood)");
        var at = ReadString(o, "at", where) switch
        {
            null or "separator" => PrmReadPosition.Separator,
            "step_end" => PrmReadPosition.StepEnd,
            var other => throw new InvalidDataException($"{where}: \"{ConfigKey}.at\" is \"{other}\"; expected \"separator\" or \"step_end\""),
        };
        var shownAs = ReadString(o, "separator_shown_as", where);
        if (shownAs is { Length: 0 }) throw new InvalidDataException($"{where}: \"{ConfigKey}.separator_shown_as\" is empty; leave it out to show the separator token itself");
        return new PrmReadout
        {
            At = at, SeparatorShownAs = shownAs,
            TokenLikelihood = ReadBool(o, "token_likelihood", where), StepMinLikelihood = ReadBool(o, "step_min_likelihood", where),
        };
    }

    /// <summary>A copy of <paramref name="config"/> that declares this readout (the paper's: the key removed).</summary>
    public JsonObject WriteTo(JsonObject? config)
    {
        var result = config is null ? new JsonObject() : (JsonObject)config.DeepClone();
        result.Remove(ConfigKey);
        if (this == Paper) return result;
        var o = new JsonObject { ["at"] = At == PrmReadPosition.StepEnd ? "step_end" : "separator" };
        if (SeparatorShownAs is not null) o["separator_shown_as"] = SeparatorShownAs;
        o["token_likelihood"] = TokenLikelihood;
        o["step_min_likelihood"] = StepMinLikelihood;
        result[ConfigKey] = o;
        return result;
    }

    public override string ToString() => this == Paper ? "at the separator"
        : $"at the {(At == PrmReadPosition.StepEnd ? "step's last token" : "separator")}"
          + (SeparatorShownAs is null ? "" : $", separator shown as {JsonValue.Create(SeparatorShownAs).ToJsonString()}")
          + (TokenLikelihood ? ", with the backbone's token likelihood" : "")
          + (StepMinLikelihood ? ", with the step's lowest token likelihood" : "");

    private static bool ReadBool(JsonObject o, string key, string where)
    {
        if (o[key] is not { } node) return false;
        if (node is JsonValue v && v.TryGetValue<bool>(out var b)) return b;
        throw new InvalidDataException($"{where}: \"{ConfigKey}.{key}\" must be true or false");
    }

    private static string? ReadString(JsonObject o, string key, string where)
    {
        if (o[key] is not { } node) return null;
        if (node is JsonValue v && v.TryGetValue<string>(out var s)) return s;
        throw new InvalidDataException($"{where}: \"{ConfigKey}.{key}\" must be a string");
    }
}
