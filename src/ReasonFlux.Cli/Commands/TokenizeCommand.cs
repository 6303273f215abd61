using System.CommandLine;
using System.Text.Json.Nodes;
using ReasonFlux.IO;
using ReasonFlux.Tokenizers;
using ReasonFlux.Tokenizers.Templates;

namespace ReasonFlux.Cli.Commands;

/// <summary>
/// <c>reasonflux tokenize --tokenizer DIR --input in.jsonl --output out.jsonl [--chat]</c>: adds "ids" to every
/// line. Plain mode encodes the "text" field; with --chat the "messages" field is rendered by the chat
/// template first. No special tokens are added beyond what the text or template contains.
/// </summary>
public static class TokenizeCommand
{
    public static Command Create()
    {
        var tokenizerDir = new Option<string>("--tokenizer") { Description = "Checkpoint or tokenizer folder with tokenizer.json (and tokenizer_config.json for --chat).", Required = true };
        var input = new Option<string>("--input") { Description = "JSONL with a \"text\" string per line, or a \"messages\" array with --chat.", Required = true };
        var output = new Option<string>("--output") { Description = "Where to write the JSONL: each input line plus \"ids\".", Required = true };
        var chat = new Option<bool>("--chat") { Description = "Render \"messages\" with the chat template, then encode." };
        var addGenerationPrompt = new Option<bool>("--add-generation-prompt") { Description = "With --chat: end with the assistant-turn opener." };
        var chatTemplate = new Option<string?>("--chat-template") { Description = "With --chat: chatml, plain, a .jinja file, or a template name from tokenizer_config.json (default: the tokenizer's own)." };

        var command = new Command("tokenize", "Encode JSONL text (or chat messages) to token ids with an HF tokenizer.json.");
        command.Options.Add(tokenizerDir);
        command.Options.Add(input);
        command.Options.Add(output);
        command.Options.Add(chat);
        command.Options.Add(addGenerationPrompt);
        command.Options.Add(chatTemplate);
        command.SetAction(parseResult => CommandRunner.Run(() =>
        {
            string dir = parseResult.GetValue(tokenizerDir)!;
            bool useChat = parseResult.GetValue(chat);
            string? templateSpec = parseResult.GetValue(chatTemplate);
            bool generationPrompt = parseResult.GetValue(addGenerationPrompt);
            if (!useChat && (templateSpec is not null || generationPrompt))
                throw new ArgumentException("--chat-template and --add-generation-prompt need --chat");

            var tokenizer = BpeTokenizer.FromDirectory(dir);
            ChatTemplate? template = useChat
                ? templateSpec is null ? ChatTemplate.FromTokenizerConfig(dir) : ChatTemplate.Load(templateSpec, dir)
                : null;

            long tokens = 0;
            using var writer = new JsonlWriter(parseResult.GetValue(output)!);
            foreach (var record in JsonlReader.Read(parseResult.GetValue(input)!))
            {
                string text = template is null ? record.GetString("text") : RenderMessages(template, record, generationPrompt);
                int[] ids = tokenizer.Encode(text);
                tokens += ids.Length;
                var line = (JsonObject)record.Value.DeepClone();
                line["ids"] = new JsonArray(ids.Select(id => (JsonNode)id).ToArray());
                writer.Write(line);
            }
            writer.Commit();
            Console.WriteLine($"tokenized {writer.Count} lines, {tokens} tokens");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static string RenderMessages(ChatTemplate template, JsonlRecord record, bool addGenerationPrompt)
    {
        if (record.Value["messages"] is not JsonArray messages) throw record.Error("field \"messages\" must be an array of {role, content} objects");
        try
        {
            return template.RenderJson(messages, addGenerationPrompt, tools: record.Value["tools"] as JsonArray);
        }
        catch (JinjaException e)
        {
            throw record.Error(e.Message);
        }
    }
}
