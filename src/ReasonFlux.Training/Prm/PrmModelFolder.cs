using ReasonFlux.Checkpoints;
using ReasonFlux.Models;
using ReasonFlux.Models.Heads;
using ReasonFlux.Models.Qwen2;
using ReasonFlux.Models.Weights;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Training.Prm;

/// <summary>
/// Builds a trainable PRM on a base model and writes it as a Hugging Face folder.
/// <para>Two-class head: config.json with architectures ["Qwen2ForProcessRewardModel"] and model.safetensors with
/// the Qwen2.5-Math-PRM-7B / ReasonFlux-PRM-7B names: model.embed_tokens.weight, model.layers.{i}.*,
/// model.norm.weight, score.0.weight [H, H], score.0.bias [H], score.2.weight [2, H], score.2.bias [2] (no lm_head).
/// Another readout (<see cref="PrmReadout"/>, the "reasonflux_readout" key of config.json) may add the token
/// likelihood: score.0.weight is then [H, H + 2] and an untied model keeps its lm_head.weight; such a folder is
/// ours alone to read (transformers would refuse score.0's shape).
/// transformers loads it with that checkpoint's remote code (trust_remote_code; copy its modeling file and
/// auto_map), vLLM and SGLang by the architecture name.</para>
/// <para>Scalar head: the ReasonFlux-PRM-1.5B layout, a Qwen2ForCausalLM folder holding only the decoder (model.*;
/// transformers initialises the unused lm_head of an untied model) plus reward_head.safetensors with "weight"
/// [1, H] and "bias" [1], the tensors of the released reward_head.pt.</para>
/// </summary>
public static class PrmModelFolder
{
    /// <summary>The architecture a head trains as (what <see cref="PretrainedModel.Load"/> reports for it).</summary>
    public static string Architecture(PrmHead head) => head == PrmHead.TwoClass ? PretrainedModel.ProcessRewardModel : Qwen2ScalarRewardModel.Architecture;

    /// <summary>
    /// The reward model to train: everything from <paramref name="baseDirectory"/> when it already is this kind of
    /// reward model (continued training), otherwise its decoder with a head initialised from <paramref name="seed"/>
    /// (HF's init: N(0, initializer_range) matrices, zero biases).
    /// </summary>
    public static (nn.Module Model, Qwen2Config Config) Create(string baseDirectory, PrmHead head, PrmReadout readout, ScalarType dtype, Device device, long seed)
    {
        var baseConfig = Qwen2Config.Load(baseDirectory);
        var arch = Architecture(head);
        bool isRewardModel = head == PrmHead.TwoClass
            ? baseConfig.Architectures[0] == PretrainedModel.ProcessRewardModel
            : baseConfig.Architectures[0] == Qwen2ScalarRewardModel.Architecture || File.Exists(Path.Combine(baseDirectory, PretrainedModel.ScalarRewardHeadFile));
        if (isRewardModel)
        {
            var loaded = PretrainedModel.Load(baseDirectory, dtype, device);
            Check(loaded, baseDirectory, head, readout);
            return (loaded.Module, loaded.Config with { Architectures = [arch] });
        }

        var config = baseConfig with { Architectures = [arch], Extra = head == PrmHead.TwoClass ? readout.WriteTo(baseConfig.Extra) : baseConfig.Extra };
        using var checkpoint = SafetensorsCheckpoint.Open(baseDirectory);
        var sourcePath = checkpoint.IsSharded ? Path.Combine(baseDirectory, "model.safetensors.index.json") : Path.Combine(baseDirectory, "model.safetensors");
        var decoder = new CheckpointParameters(checkpoint, sourcePath, dtype, device);
        using var init = new RandomParameters(seed, config.InitializerRange, dtype, device);
        var parameters = new FreshHeadParameters(decoder, init);
        nn.Module model = head == PrmHead.TwoClass ? new Qwen2ForProcessRewardModel(config, parameters) : new Qwen2ScalarRewardModel(config, parameters);
        return (model, config);
    }

    /// <summary>Loads a folder written by <see cref="Save"/> (a checkpoint's model, when resuming).</summary>
    public static (nn.Module Model, Qwen2Config Config) Load(string directory, PrmHead head, PrmReadout readout, ScalarType dtype, Device device)
    {
        var loaded = PretrainedModel.Load(directory, dtype, device);
        Check(loaded, directory, head, readout);
        return (loaded.Module, loaded.Config with { Architectures = [Architecture(head)] });
    }

    /// <summary>The readout a recipe's prm stage asks for.</summary>
    public static PrmReadout ToReadout(PrmReadoutOptions o) => new()
    {
        At = o.At == PrmReadAt.StepEnd ? PrmReadPosition.StepEnd : PrmReadPosition.Separator,
        SeparatorShownAs = o.SeparatorShownAs,
        TokenLikelihood = o.TokenLikelihood,
        StepMinLikelihood = o.StepMinLikelihood,
    };

    /// <summary>A loaded reward model must be the head and readout the recipe trains (a trained head cannot change how it reads); disposes it otherwise.</summary>
    private static void Check(LoadedModel loaded, string directory, PrmHead head, PrmReadout readout)
    {
        string? problem = loaded.Module switch
        {
            Qwen2ForProcessRewardModel prm when head == PrmHead.TwoClass => prm.Readout == readout ? null
                : $"the PRM reads {prm.Readout}, the recipe's readout {readout}; a trained head cannot change how it reads (train from the decoder instead)",
            Qwen2ScalarRewardModel when head == PrmHead.Scalar => null,
            _ => $"expected a {Architecture(head)} checkpoint, found {loaded.Config.Architectures[0]}",
        };
        if (problem is null) return;
        loaded.Dispose();
        throw new InvalidDataException($"{directory}: {problem}");
    }

    /// <summary>Writes config.json, the weights and the tokenizer files (layout in the class summary).</summary>
    /// <paramref name="values"/> (named_parameters order) replaces the parameters' values: the optimizer's master weights.
    public static void Save(nn.Module model, Qwen2Config config, PrmTokenizerFiles tokenizer, string directory, ScalarType dtype, IReadOnlyList<Tensor>? values = null)
    {
        Directory.CreateDirectory(directory);
        if (model is Qwen2ForProcessRewardModel)
        {
            PretrainedModel.Save(model, config with { Architectures = [PretrainedModel.ProcessRewardModel] }, directory, dtype, values: values);
        }
        else
        {
            const string headPrefix = "reward_head.";
            var parameters = model.named_parameters().Select((p, i) => (p.Name, Parameter: values?[i] ?? p.Parameter)).ToList();
            SafetensorsWriter.WriteCheckpoint(directory,
                parameters.Where(p => !p.Name.StartsWith(headPrefix, StringComparison.Ordinal)).Select(p => TensorFiles.Source(p.Name, p.Parameter, dtype)));
            SafetensorsWriter.WriteFile(Path.Combine(directory, PretrainedModel.ScalarRewardHeadFile),
                parameters.Where(p => p.Name.StartsWith(headPrefix, StringComparison.Ordinal)).Select(p => TensorFiles.Source(p.Name[headPrefix.Length..], p.Parameter, dtype)));
            var json = (config with { Architectures = [PretrainedModel.CausalLM] }).ToJson(dtype);
            File.WriteAllText(Path.Combine(directory, "config.json"), json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
        tokenizer.WriteTo(directory);
    }
}
