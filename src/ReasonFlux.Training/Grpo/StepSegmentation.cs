using ReasonFlux.Tokenizers;

namespace ReasonFlux.Training.Grpo;

/// <summary>A completion cut into reasoning steps, with the completion-token index where each step ends.</summary>
public sealed record StepSegments(IReadOnlyList<string> Steps, IReadOnlyList<int> EndTokens);

/// <summary>
/// Splits a completion's text into steps on a separator (the paper's "\n\n") and finds, for each step, the
/// completion token that finishes it: the first token whose decoded prefix reaches the step's last character.
/// This is what lets a PRM's per-step score land on the tokens that wrote the step.
/// </summary>
public static class StepSegmentation
{
    public static StepSegments Split(BpeTokenizer tokenizer, IReadOnlyList<int> tokenIds, string text, string separator)
    {
        // Decoded length after each token (skipping special tokens, as the completion text does).
        var prefixLengths = new int[tokenIds.Count];
        var decoder = tokenizer.CreateStreamDecoder(skipSpecialTokens: true);
        int length = 0;
        for (int i = 0; i < tokenIds.Count; i++)
        {
            length += decoder.Push(tokenIds[i]).Length;
            prefixLengths[i] = length;
        }
        var steps = new List<string>();
        var ends = new List<int>();
        int position = 0;
        while (position < text.Length)
        {
            var next = text.IndexOf(separator, position, StringComparison.Ordinal);
            var stop = next < 0 ? text.Length : next;
            var step = text[position..stop];
            if (step.Trim().Length > 0)
            {
                var lastChar = stop; // the step's text ends just before `stop`
                var token = Array.FindIndex(prefixLengths, l => l >= lastChar);
                steps.Add(step);
                ends.Add(token < 0 ? tokenIds.Count - 1 : token);
            }
            if (next < 0) break;
            position = next + separator.Length;
        }
        // The last step owns the completion's trailing tokens (the end-of-sequence marker included).
        if (ends.Count > 0) ends[^1] = tokenIds.Count - 1;
        for (int j = 1; j < ends.Count; j++) ends[j] = Math.Max(ends[j], ends[j - 1]);
        return new StepSegments(steps, ends);
    }
}
