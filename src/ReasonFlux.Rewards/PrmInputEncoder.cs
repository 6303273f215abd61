using ReasonFlux.Models.Heads;
using ReasonFlux.Tokenizers;

namespace ReasonFlux.Rewards;

/// <summary>
/// Builds PRM inputs exactly as the reference code does. Two-class head (§2.2): the PRM's chat template with
/// user = problem and assistant = "&lt;extra_0&gt;".join(segments) + "&lt;extra_0&gt;", add_generation_prompt false,
/// then tokenized with special tokens recognised. Scalar head (§2.4): the raw text problem + response, no template.
/// Long inputs are cut at the end (HF's right truncation). A two-class PRM with another <see cref="PrmReadout"/> reads
/// each segment at its last token instead of its separator, and may see each separator as other text (its token ids
/// spliced in after tokenization, so the step tokens are the same either way).
/// </summary>
public sealed class PrmInputEncoder
{
    private readonly BpeTokenizer _tokenizer;
    private readonly ChatTemplate? _template;
    private readonly PrmScoringOptions _options;
    private readonly int[]? _separatorView;

    /// <param name="tokenizer">The PRM's own tokenizer.</param>
    /// <param name="template">The PRM's chat template (required for a two-class head).</param>
    /// <param name="head">Which head reads the input.</param>
    /// <param name="options">Mode, separator token and length limits.</param>
    /// <param name="source">Where the tokenizer came from, for error messages.</param>
    /// <param name="readout">How a two-class head reads the input (its config.json's); null: the paper's readout.</param>
    public PrmInputEncoder(BpeTokenizer tokenizer, ChatTemplate? template, PrmHeadKind head, PrmScoringOptions options, string source = "PRM tokenizer", PrmReadout? readout = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        options.Validate();
        _tokenizer = tokenizer;
        _options = options;
        Head = head;
        if (head == PrmHeadKind.TwoClass)
        {
            _template = template ?? throw new ArgumentException($"{source}: a two-class PRM needs a chat template");
            SeparatorTokenId = tokenizer.TokenToId(options.SeparatorToken)
                ?? throw new InvalidDataException(
                    $"{source}: the tokenizer has no token \"{options.SeparatorToken}\", the step separator a two-class PRM is read at " +
                    "(ReasonFlux-PRM-7B and Qwen2.5-Math-PRM define <extra_0>); is this a PRM checkpoint?");
            Readout = readout ?? PrmReadout.Paper;
            if (Readout.SeparatorShownAs is { } shown)
            {
                _separatorView = tokenizer.Encode(shown);
                if (_separatorView.Length == 0 || _separatorView.Contains(SeparatorTokenId))
                    throw new InvalidDataException($"{source}: the separator is to be shown as {Quoted(shown)}, which tokenizes to {(_separatorView.Length == 0 ? "nothing" : "the separator itself")}");
            }
        }
        else if (readout is not null && readout != PrmReadout.Paper)
            throw new ArgumentException($"{source}: a scalar head has no step readout to change ({readout})");
    }

    /// <summary>How a two-class head reads each segment (<see cref="PrmReadout.Paper"/> for a scalar head).</summary>
    public PrmReadout Readout { get; } = PrmReadout.Paper;

    public PrmHeadKind Head { get; }

    /// <summary>Id of the separator token in this tokenizer (−1 for a scalar head).</summary>
    public int SeparatorTokenId { get; } = -1;

    /// <summary>Padding id for batches: the tokenizer's pad token, else eos, else 0 (masked either way).</summary>
    public int PadTokenId => _tokenizer.PadTokenId ?? _tokenizer.EosTokenId ?? 0;

    /// <summary>The text the two-class head reads for <paramref name="sample"/> (before tokenization).</summary>
    public string Render(PrmSample sample)
    {
        if (Head == PrmHeadKind.Scalar) return sample.Problem + sample.Text;
        var sep = _options.SeparatorToken;
        var assistant = _options.Mode == PrmScoringMode.Paper
            ? string.Join(sep, sample.Segments) + sep
            : sample.Text + sep;
        return _template!.Render([ChatMessage.User(sample.Problem), ChatMessage.Assistant(assistant)], addGenerationPrompt: false);
    }

    /// <summary>Number of separators <see cref="Render"/> inserts.</summary>
    public int SegmentCount(PrmSample sample) =>
        Head == PrmHeadKind.Scalar ? 0 : _options.Mode == PrmScoringMode.Paper ? sample.Steps.Count + (sample.Answer is null ? 0 : 1) : 1;

    private static string Quoted(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    public PrmEncodedInput Encode(PrmSample sample)
    {
        var ids = _tokenizer.Encode(Render(sample));
        int limit = Head == PrmHeadKind.Scalar ? _options.ScalarMaxTokens : _options.MaxTokens;
        if (ids.Length == 0) throw new InvalidDataException("PRM input is empty: the problem and response have no text and the template adds none");
        if (Head == PrmHeadKind.Scalar)
        {
            bool cut = ids.Length > limit;
            return new PrmEncodedInput(cut ? ids[..limit] : ids, [], 1, 0, cut);
        }

        int segments = SegmentCount(sample);
        int stepCount = _options.Mode == PrmScoringMode.Paper ? sample.Steps.Count : 1;
        // Our separators are the last ones: the template only appends closing tokens after the assistant content,
        // so a literal separator inside the problem text cannot shift the readout.
        var separators = new int[segments];
        int found = 0;
        for (int i = ids.Length - 1; i >= 0 && found < segments; i--)
            if (ids[i] == SeparatorTokenId) separators[segments - 1 - found++] = i;
        if (found < segments)
            throw new InvalidDataException($"the PRM chat template kept {found} of the {segments} \"{_options.SeparatorToken}\" separators of the assistant turn");

        // Each separator's first and last token once the view is spliced in (the same token without a view).
        var first = (int[])separators.Clone();
        var last = (int[])separators.Clone();
        if (_separatorView is { } view)
        {
            var spliced = new List<int>(ids.Length + segments * (view.Length - 1));
            int next = 0;
            for (int i = 0; i < ids.Length; i++)
            {
                if (next < segments && i == separators[next])
                {
                    first[next] = spliced.Count;
                    spliced.AddRange(view);
                    last[next++] = spliced.Count - 1;
                }
                else spliced.Add(ids[i]);
            }
            ids = spliced.ToArray();
        }
        var positions = Readout.At == PrmReadPosition.StepEnd ? first.Select(p => p - 1).ToArray() : last;
        int[]? starts = null;
        if (Readout.StepMinLikelihood)
        {
            // Segment 0 starts where the template puts the assistant's content: as many tokens in as precede the one
            // separator of an assistant turn that holds nothing else. The others start after the previous separator.
            var header = _tokenizer.Encode(_template!.Render([ChatMessage.User(sample.Problem), ChatMessage.Assistant(_options.SeparatorToken)], addGenerationPrompt: false));
            starts = new int[segments];
            starts[0] = Array.LastIndexOf(header, SeparatorTokenId);
            for (int i = 1; i < segments; i++) starts[i] = last[i - 1] + 1;
        }
        if (Readout.ReadsLikelihood && (positions.Length > 0 && positions[0] < 1 || starts is [< 1, ..]))
            throw new InvalidDataException("the first segment starts at the input's first token, which nothing precedes to give it a likelihood; the PRM chat template must put the problem first");
        if (ids.Length <= limit) return new PrmEncodedInput(ids, positions, stepCount, segments, false) { SegmentStarts = starts };
        var kept = positions.Where(p => p < limit).ToArray();
        return new PrmEncodedInput(ids[..limit], kept, stepCount, segments, true) { SegmentStarts = starts?[..kept.Length] };
    }
}
