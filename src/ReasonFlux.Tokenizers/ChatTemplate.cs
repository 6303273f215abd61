using System.Text.Json.Nodes;
using ReasonFlux.Tokenizers.Templates;

namespace ReasonFlux.Tokenizers;

/// <summary>
/// A Hugging Face chat template (Jinja) rendered the way transformers' apply_chat_template does:
/// trim_blocks and lstrip_blocks on, variables messages / tools / add_generation_prompt plus the
/// tokenizer's special tokens (bos_token, eos_token, pad_token, unk_token, those that are set) and any
/// extra variables such as enable_thinking. Supports the Jinja subset of the Qwen2.5, Qwen2.5-Math,
/// Qwen3 and DeepSeek-R1-Distill templates; anything beyond it fails at <see cref="Parse"/> or render with a
/// <see cref="JinjaException"/> naming the construct, line and column. Immutable and thread-safe.
/// </summary>
public sealed class ChatTemplate
{
    /// <summary>Name of the built-in ChatML template (Qwen-style markers, no default system prompt).</summary>
    public const string ChatMlName = "chatml";

    /// <summary>Name of the built-in plain template: message contents joined by blank lines, no markers.</summary>
    public const string PlainName = "plain";

    private const string ChatMlSource =
        "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{%- endfor %}"
        + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

    private const string PlainSource =
        "{%- for message in messages %}{%- if not loop.first %}{{- '\\n\\n' }}{%- endif %}{{- message['content'] }}{%- endfor %}";

    private readonly List<Node> _ast;

    private ChatTemplate(string source, string name, TokenizerConfig? config)
    {
        Source = source;
        Name = name;
        _ast = JinjaParser.Parse(source);
        if (config is not null)
        {
            BosToken = config.BosToken;
            EosToken = config.EosToken;
            PadToken = config.PadToken;
            UnkToken = config.UnkToken;
        }
    }

    /// <summary>The template text.</summary>
    public string Source { get; }

    /// <summary>Where the template came from ("chatml", a file path, "tokenizer_config.json:default", ...).</summary>
    public string Name { get; }

    /// <summary>bos_token passed to the template (from tokenizer_config.json), or null (then not defined).</summary>
    public string? BosToken { get; init; }

    /// <summary>eos_token passed to the template, or null.</summary>
    public string? EosToken { get; init; }

    /// <summary>pad_token passed to the template, or null.</summary>
    public string? PadToken { get; init; }

    /// <summary>unk_token passed to the template, or null.</summary>
    public string? UnkToken { get; init; }

    /// <summary>Parses a template; special tokens come from <paramref name="config"/> when given.</summary>
    /// <exception cref="JinjaException">The template uses syntax outside the supported subset.</exception>
    public static ChatTemplate Parse(string source, TokenizerConfig? config = null, string name = "(inline)")
    {
        ArgumentNullException.ThrowIfNull(source);
        return new ChatTemplate(source, name, config);
    }

    /// <summary>The built-in "chatml" or "plain" template.</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static ChatTemplate BuiltIn(string name, TokenizerConfig? config = null) => name switch
    {
        ChatMlName => new ChatTemplate(ChatMlSource, ChatMlName, config),
        PlainName => new ChatTemplate(PlainSource, PlainName, config),
        _ => throw new ArgumentException($"unknown built-in chat template \"{name}\" (built-ins: {ChatMlName}, {PlainName})", nameof(name)),
    };

    /// <summary>
    /// The chat template of a checkpoint directory: <c>chat_template.jinja</c> when present (newer transformers
    /// save it there), otherwise <c>chat_template</c> of <c>tokenizer_config.json</c> (string form, or the
    /// entry named <paramref name="templateName"/> of the list form, "default" when not given).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">No tokenizer_config.json.</exception>
    /// <exception cref="InvalidDataException">No chat template, or no template of that name.</exception>
    public static ChatTemplate FromTokenizerConfig(string directory, string? templateName = null)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: tokenizer directory not found");
        string configPath = Path.Combine(directory, "tokenizer_config.json");
        var config = TokenizerConfig.Load(configPath);
        string jinjaPath = Path.Combine(directory, "chat_template.jinja");
        if (templateName is null && File.Exists(jinjaPath)) return new ChatTemplate(File.ReadAllText(jinjaPath), jinjaPath, config);
        return FromConfig(config, templateName);
    }

    /// <summary>The chat template stored in a loaded tokenizer_config.json.</summary>
    /// <exception cref="InvalidDataException">The config has no (such) chat template.</exception>
    public static ChatTemplate FromConfig(TokenizerConfig config, string? templateName = null)
    {
        string name = templateName ?? TokenizerConfig.DefaultTemplateName;
        if (!config.ChatTemplates.TryGetValue(name, out var source))
        {
            string available = config.ChatTemplates.Count == 0 ? "it has none" : "it has: " + string.Join(", ", config.ChatTemplates.Keys);
            throw new InvalidDataException($"{config.Source}: no chat_template named \"{name}\" ({available})");
        }
        return new ChatTemplate(source, $"{config.Source}:{name}", config);
    }

    /// <summary>
    /// Resolves a template spec as recipes and the CLI give it: "chatml" or "plain" (built-ins), a path to a
    /// .jinja file, "tokenizer" (the checkpoint's own template), or the name of a template in the list form of
    /// tokenizer_config.json's chat_template. Special tokens come from <paramref name="tokenizerDirectory"/>'s
    /// tokenizer_config.json when it has one.
    /// </summary>
    public static ChatTemplate Load(string spec, string? tokenizerDirectory = null)
    {
        var config = tokenizerDirectory is not null && File.Exists(Path.Combine(tokenizerDirectory, "tokenizer_config.json"))
            ? TokenizerConfig.Load(Path.Combine(tokenizerDirectory, "tokenizer_config.json"))
            : null;
        if (spec is ChatMlName or PlainName) return BuiltIn(spec, config);
        if (File.Exists(spec)) return new ChatTemplate(File.ReadAllText(spec), spec, config);
        if (tokenizerDirectory is null)
            throw new ArgumentException($"chat template \"{spec}\" is neither a built-in ({ChatMlName}, {PlainName}) nor an existing file");
        if (spec == "tokenizer") return FromTokenizerConfig(tokenizerDirectory);
        if (config is null) throw new FileNotFoundException($"{Path.Combine(tokenizerDirectory, "tokenizer_config.json")}: file not found");
        return FromConfig(config, spec);
    }

    /// <summary>Renders a conversation of plain role/content messages.</summary>
    /// <param name="messages">The conversation.</param>
    /// <param name="addGenerationPrompt">Append the assistant-turn opener (e.g. "&lt;|im_start|&gt;assistant\n").</param>
    /// <param name="variables">Extra template variables, e.g. {"enable_thinking": false}; .NET primitives, lists, dictionaries and JsonNodes.</param>
    /// <param name="tools">Tool schemas (JSON), or null.</param>
    /// <exception cref="JinjaException">The template failed (including its own raise_exception).</exception>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = false,
        IReadOnlyDictionary<string, object?>? variables = null, JsonArray? tools = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages.Select(m => (object?)Py.FromDotNet(m)).ToList();
        return RenderValues(list, addGenerationPrompt, variables, tools);
    }

    /// <summary>
    /// Renders messages given as JSON (any fields: tool_calls, reasoning_content, list contents), as read from
    /// a JSONL "messages" field.
    /// </summary>
    /// <exception cref="JinjaException">The template failed.</exception>
    public string RenderJson(JsonArray messages, bool addGenerationPrompt = false,
        IReadOnlyDictionary<string, object?>? variables = null, JsonArray? tools = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = (List<object?>)Py.FromJson(messages)!;
        return RenderValues(list, addGenerationPrompt, variables, tools);
    }

    private string RenderValues(List<object?> messages, bool addGenerationPrompt, IReadOnlyDictionary<string, object?>? variables, JsonArray? tools)
    {
        // What transformers passes: special tokens that are set, then messages/tools/documents/add_generation_prompt, then kwargs.
        var vars = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (BosToken is not null) vars["bos_token"] = BosToken;
        if (EosToken is not null) vars["eos_token"] = EosToken;
        if (PadToken is not null) vars["pad_token"] = PadToken;
        if (UnkToken is not null) vars["unk_token"] = UnkToken;
        vars["messages"] = messages;
        vars["tools"] = tools is null ? null : Py.FromJson(tools);
        vars["documents"] = null;
        vars["add_generation_prompt"] = addGenerationPrompt;
        if (variables is not null)
        {
            foreach (var (k, v) in variables)
            {
                try
                {
                    vars[k] = Py.FromDotNet(v);
                }
                catch (ArgumentException e)
                {
                    throw new ArgumentException($"chat template variable \"{k}\": {e.Message}", nameof(variables), e);
                }
            }
        }
        return JinjaInterpreter.Render(_ast, vars);
    }
}
