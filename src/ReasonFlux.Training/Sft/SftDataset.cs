using System.Text.Json.Nodes;
using ReasonFlux.IO;
using ReasonFlux.Models;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Tokenizers;
using ReasonFlux.Tokenizers.Templates;

namespace ReasonFlux.Training.Sft;

/// <summary>
/// A supervised fine-tuning set, tokenized up front. Each JSONL line is either
/// <c>{PROMPT_KEY: "...", COMPLETION_KEY: "..."}</c> (keys from <see cref="SftDataOptions"/>) or
/// <c>{"messages": [{role, content}, ...]}</c> ending with an assistant turn (<see cref="Conversation"/>): with
/// completion-only loss every assistant turn is a target, nothing else is.
/// The prompt (the user turn, or every message before the assistant turn) is rendered with the policy's chat
/// template and add_generation_prompt; the completion is the text itself followed by the end-of-turn token
/// (<see cref="EndOfTurnTokenId"/>) unless it already ends with it.
/// </summary>
/// <remarks>
/// Truncation to max_seq_len keeps the end of the prompt (the generation prompt that the completion follows)
/// and the start of the completion: the prompt is cut from the left down to max(max_seq_len − completion,
/// min(prompt, max_seq_len / 2)) tokens; only a completion longer than what remains is cut from the right (its
/// end token is then lost). Both counts are reported in <see cref="TruncatedPrompts"/> and
/// <see cref="TruncatedCompletions"/> so a trainer can log them. A conversation with several assistant turns is cut
/// from the right (its later turns are lost, counted as a truncated completion).
/// </remarks>
public sealed class SftDataset
{
    private SftDataset(string path, List<SftExample> examples, int truncatedPrompts, int truncatedCompletions, int endTokenId)
    {
        Path = path;
        Examples = examples;
        TruncatedPrompts = truncatedPrompts;
        TruncatedCompletions = truncatedCompletions;
        EndTokenId = endTokenId;
    }

    public string Path { get; }
    public IReadOnlyList<SftExample> Examples { get; }
    public int Count => Examples.Count;

    /// <summary>Examples whose prompt lost tokens on the left.</summary>
    public int TruncatedPrompts { get; }

    /// <summary>Examples whose completion lost tokens on the right (the model never sees their end).</summary>
    public int TruncatedCompletions { get; }

    /// <summary>The token appended after every completion.</summary>
    public int EndTokenId { get; }

    /// <summary>
    /// The token that ends an assistant turn: &lt;|im_end|&gt; when the chat template emits it and the tokenizer has
    /// it (Qwen chat models, builtin:tiny), otherwise the tokenizer's eos, otherwise the config's eos.
    /// </summary>
    public static int EndOfTurnTokenId(LanguageModel policy)
    {
        if (policy.ChatTemplate.Source.Contains("<|im_end|>", StringComparison.Ordinal) && policy.Tokenizer.TokenToId("<|im_end|>") is int imEnd)
            return imEnd;
        return policy.Tokenizer.EosTokenId ?? policy.Model.Config.EosTokenId
            ?? throw new InvalidDataException($"{policy.Directory}: neither the tokenizer nor config.json names an eos token, so completions cannot be terminated");
    }

    /// <summary>Reads and tokenizes every line; a bad line throws <see cref="InvalidDataException"/> naming file and line.</summary>
    public static SftDataset Load(string path, SftDataOptions options, BpeTokenizer tokenizer, ChatTemplate template, int endTokenId)
    {
        var examples = new List<SftExample>();
        int truncatedPrompts = 0, truncatedCompletions = 0;
        foreach (var record in JsonlReader.Read(path))
        {
            var fields = ReadFields(record, options);
            var messages = fields.Messages;
            if (messages is not null && messages.Count(m => Conversation.Role(m) == "assistant") > 1)
            {
                var turns = Conversation.Tokenize(Conversation.Segments(record, messages, template), tokenizer, endTokenId, options.MaxSeqLen, out bool cut);
                if (cut) truncatedCompletions++;
                var multi = new SftExample(turns.Ids, Array.IndexOf(turns.Mask, true), record.Location, turns.Mask);
                if (multi.TrainedTokens(options.CompletionOnlyLoss) <= 0)
                    throw record.Error($"max_seq_len {options.MaxSeqLen} leaves no assistant token to train on");
                examples.Add(multi);
                continue;
            }
            var (promptText, completionText) = Texts(record, fields, template);
            var prompt = tokenizer.Encode(promptText);
            var completion = tokenizer.Encode(completionText);
            if (completion.Length == 0 || completion[^1] != endTokenId) completion = [.. completion, endTokenId];
            var (keepPrompt, keepCompletion) = Truncate(prompt.Length, completion.Length, options.MaxSeqLen);
            if (keepPrompt < prompt.Length) truncatedPrompts++;
            if (keepCompletion < completion.Length) truncatedCompletions++;
            int[] ids = [.. prompt.AsSpan(prompt.Length - keepPrompt), .. completion.AsSpan(0, keepCompletion)];
            var example = new SftExample(ids, keepPrompt, record.Location);
            if (example.TrainedTokens(options.CompletionOnlyLoss) <= 0)
                throw record.Error("the example has no token to train on (a one-token sequence)");
            examples.Add(example);
        }
        if (examples.Count == 0) throw new InvalidDataException($"{path}: no training examples (the file is empty)");
        return new SftDataset(path, examples, truncatedPrompts, truncatedCompletions, endTokenId);
    }

    /// <summary>Tokens kept of a prompt and a completion under <paramref name="maxSeqLen"/> (see the class remarks).</summary>
    public static (int Prompt, int Completion) Truncate(int prompt, int completion, int maxSeqLen)
    {
        if (prompt + completion <= maxSeqLen) return (prompt, completion);
        int keepPrompt = Math.Min(prompt, Math.Max(maxSeqLen - completion, Math.Min(prompt, maxSeqLen / 2)));
        return (keepPrompt, maxSeqLen - keepPrompt);
    }

    /// <summary>
    /// The fields of one line, checked: its conversation (the messages form, used when the line has "messages" and no
    /// prompt key), else its prompt and completion. Throws naming file:line. <see cref="Load"/> reads every line through
    /// this, and <c>train --dry-run</c> reads the first lines through it before any model is loaded.
    /// </summary>
    public static SftFields ReadFields(JsonlRecord record, SftDataOptions options) =>
        record.Has("messages") && !record.Has(options.PromptKey)
            ? new SftFields(Conversation.Messages(record), null, null)
            : new SftFields(null, record.GetString(options.PromptKey), record.GetString(options.CompletionKey));

    private static (string Prompt, string Completion) Texts(JsonlRecord record, SftFields fields, ChatTemplate template)
    {
        try
        {
            if (fields.Messages is { } messages)
            {
                // One assistant turn, the last: the history rendered with the generation prompt, then its text.
                var history = new JsonArray(messages.Take(messages.Count - 1).Select(m => m?.DeepClone()).ToArray());
                return (template.RenderJson(history, addGenerationPrompt: true), messages[^1]!["content"]!.GetValue<string>());
            }
            return (template.Render([ChatMessage.User(fields.Prompt!)], addGenerationPrompt: true), fields.Completion!);
        }
        catch (JinjaException e)
        {
            throw record.Error($"chat template {template.Name}: {e.Message}");
        }
    }
}

/// <summary>One SFT line's fields: <see cref="Messages"/> for the messages form, else <see cref="Prompt"/> and <see cref="Completion"/>.</summary>
public sealed record SftFields(JsonArray? Messages, string? Prompt, string? Completion);
