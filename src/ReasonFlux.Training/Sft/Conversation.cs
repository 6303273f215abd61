using System.Text.Json.Nodes;
using ReasonFlux.IO;
using ReasonFlux.Tokenizers;
using ReasonFlux.Tokenizers.Templates;

namespace ReasonFlux.Training.Sft;

/// <summary>
/// A multi-turn <c>{"messages": [...]}</c> line as text segments, each a target (an assistant turn) or context.
/// Assistant turn k is the text between the template's rendering of messages[..k] with the generation prompt and
/// its rendering of messages[..k+1]; both must be prefixes of the whole conversation's rendering (true of ChatML
/// and the Qwen templates; a template that rewrites earlier turns, e.g. one that drops past reasoning, is refused
/// with the line named, since its turns have no fixed place in the sequence).
/// </summary>
internal static class Conversation
{
    public readonly record struct Segment(string Text, bool Target);

    /// <summary>The validated "messages" array: {role, content} strings, the last an assistant turn.</summary>
    public static JsonArray Messages(JsonlRecord record)
    {
        if (record.Value["messages"] is not JsonArray messages || messages.Count == 0)
            throw record.Error("field \"messages\" must be a non-empty array of {role, content} objects");
        for (int i = 0; i < messages.Count; i++)
            if (messages[i] is not JsonObject m || !IsString(m["role"]) || !IsString(m["content"]))
                throw record.Error($"messages[{i}] must be {{\"role\": \"...\", \"content\": \"...\"}} with string values");
        if (Role(messages[^1]) != "assistant")
            throw record.Error("the last of \"messages\" must be {\"role\": \"assistant\", \"content\": \"...\"}: it is the completion to learn");
        return messages;
    }

    public static string Role(JsonNode? m) => m!["role"]!.GetValue<string>();

    /// <summary>The rendered conversation as context and target segments (nothing after the last assistant turn).</summary>
    public static List<Segment> Segments(JsonlRecord record, JsonArray messages, ChatTemplate template)
    {
        try
        {
            string Render(int count, bool generationPrompt) =>
                template.RenderJson(new JsonArray(messages.Take(count).Select(m => m!.DeepClone()).ToArray()), generationPrompt);
            var whole = Render(messages.Count, false);
            var segments = new List<Segment>();
            int consumed = 0;
            for (int k = 0; k < messages.Count; k++)
            {
                if (Role(messages[k]) != "assistant") continue;
                var before = Render(k, true);
                var through = Render(k + 1, false);
                if (!whole.StartsWith(before, StringComparison.Ordinal) || !whole.StartsWith(through, StringComparison.Ordinal)
                    || before.Length < consumed || through.Length < before.Length)
                    throw record.Error($"chat template {template.Name} does not render messages[{k}] (an assistant turn) as a prefix of the whole conversation, so its tokens cannot be told apart from the rest");
                if (before.Length > consumed) segments.Add(new Segment(whole[consumed..before.Length], false));
                segments.Add(new Segment(whole[before.Length..through.Length], true));
                consumed = through.Length;
            }
            return segments;
        }
        catch (JinjaException e)
        {
            throw record.Error($"chat template {template.Name}: {e.Message}");
        }
    }

    /// <summary>
    /// Token ids and the target mask of the segments. Each assistant turn ends at its first end-of-turn token (what
    /// the template writes after it stays as context, e.g. ChatML's newline); the last one gets the end token when
    /// the template wrote none. More than <paramref name="maxSeqLen"/> tokens: cut from the right.
    /// </summary>
    public static (int[] Ids, bool[] Mask) Tokenize(List<Segment> segments, BpeTokenizer tokenizer, int endTokenId, int maxSeqLen, out bool truncated)
    {
        var ids = new List<int>();
        var mask = new List<bool>();
        for (int s = 0; s < segments.Count; s++)
        {
            var tokens = tokenizer.Encode(segments[s].Text);
            if (!segments[s].Target)
            {
                ids.AddRange(tokens);
                mask.AddRange(Enumerable.Repeat(false, tokens.Length));
                continue;
            }
            int end = Array.IndexOf(tokens, endTokenId);
            bool last = s == segments.Count - 1;
            int[] turn = end >= 0 ? tokens[..(end + 1)] : last ? [.. tokens, endTokenId] : tokens;
            ids.AddRange(turn);
            mask.AddRange(Enumerable.Repeat(true, turn.Length));
            if (end >= 0 && !last)
            {
                var after = tokens[(end + 1)..];
                ids.AddRange(after);
                mask.AddRange(Enumerable.Repeat(false, after.Length));
            }
        }
        truncated = ids.Count > maxSeqLen;
        int keep = Math.Min(ids.Count, maxSeqLen);
        return (ids.Take(keep).ToArray(), mask.Take(keep).ToArray());
    }

    private static bool IsString(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out _);
}
