using ReasonFlux.Checkpoints;
using ReasonFlux.Models.Builtin;
using ReasonFlux.Models.Heads;
using ReasonFlux.Torch;
using ReasonFlux.Tokenizers;

namespace ReasonFlux.Models;

/// <summary>A causal LM with the tokenizer and chat template of its folder: what a policy or a judge needs.</summary>
public sealed class LanguageModel : IDisposable
{
    private LanguageModel(Qwen2ForCausalLM model, BpeTokenizer tokenizer, ChatTemplate chatTemplate, string directory, IReadOnlyList<string> unusedTensors)
    {
        UnusedTensors = unusedTensors;
        Model = model;
        Tokenizer = tokenizer;
        ChatTemplate = chatTemplate;
        Directory = directory;
    }

    public Qwen2ForCausalLM Model { get; }
    public BpeTokenizer Tokenizer { get; }
    public ChatTemplate ChatTemplate { get; }
    public string Directory { get; }

    /// <summary>Checkpoint tensors the model did not load (a wrong architecture, a stray head): worth a warning that names them.</summary>
    public IReadOnlyList<string> UnusedTensors { get; }

    /// <summary>Token ids that end a generation: the tokenizer's eos and the config's eos.</summary>
    public IReadOnlyList<int> StopTokenIds =>
        new[] { Tokenizer.EosTokenId, Model.Config.EosTokenId, Tokenizer.TokenToId("<|im_end|>"), Tokenizer.TokenToId("<|endoftext|>") }
            .Where(x => x is not null).Select(x => x!.Value).Distinct().ToArray();

    /// <summary>Pad id for batching (pad token, else eos).</summary>
    public int PadTokenId => Tokenizer.PadTokenId ?? Tokenizer.EosTokenId ?? Model.Config.EosTokenId ?? 0;

    /// <summary>
    /// Loads a Hugging Face folder with its tokenizer. <paramref name="chatTemplate"/> overrides the folder's own
    /// template ("chatml", "plain", a .jinja path); by default the checkpoint's own template is used, falling back
    /// to ChatML only when the folder has none.
    /// </summary>
    public static LanguageModel Load(string directory, ScalarType? dtype = null, Device? device = null, string? chatTemplate = null)
    {
        if (BuiltinModels.IsBuiltin(directory))
            throw new ArgumentException($"\"{directory}\" is a built-in model: materialize it first with BuiltinModels.Materialize");
        var tokenizer = BpeTokenizer.FromDirectory(directory);
        var template = chatTemplate is not null ? ChatTemplate.Load(chatTemplate, directory) : DefaultTemplate(directory);
        var model = PretrainedModel.LoadCausalLM(directory, dtype, device, out var unused);
        if (tokenizer.VocabSize > model.Config.VocabSize)
        {
            model.Dispose();
            throw new InvalidDataException($"{directory}: the tokenizer has {tokenizer.VocabSize} ids but the model only {model.Config.VocabSize} embedding rows");
        }
        return new LanguageModel(model, tokenizer, template, directory, unused);
    }

    private static ChatTemplate DefaultTemplate(string directory)
    {
        try { return ChatTemplate.FromTokenizerConfig(directory); }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException) { return ChatTemplate.BuiltIn(ChatTemplate.ChatMlName); }
    }

    /// <summary>
    /// Writes the model (Hugging Face format), the tokenizer files it was loaded with, and the chat template it
    /// is used with (a recipe's chat_template included) as tokenizer_config.json's chat_template.
    /// <paramref name="values"/> (named_parameters order) replaces the parameters' values, e.g. an optimizer's master weights.
    /// </summary>
    public void Save(string directory, ScalarType? dtype = null, IReadOnlyList<Tensor>? values = null)
    {
        PretrainedModel.Save(Model, Model.Config, directory, dtype, values: values);
        HfModelFolder.CopyTokenizerFiles(Directory, directory);
        HfModelFolder.SetChatTemplate(directory, ChatTemplate.Source);
    }

    public void Dispose() => Model.Dispose();
}
