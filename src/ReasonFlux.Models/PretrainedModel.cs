using ReasonFlux.Checkpoints;
using ReasonFlux.Models.Heads;
using ReasonFlux.Models.Qwen2;
using ReasonFlux.Models.Weights;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Models;

/// <summary>A model loaded from a Hugging Face folder, with the checkpoint tensors it did not use.</summary>
public sealed record LoadedModel(nn.Module Module, Qwen2Config Config, string Directory, IReadOnlyList<string> UnusedTensors) : IDisposable
{
    public void Dispose() => Module.Dispose();
}

/// <summary>
/// Loads and saves Qwen2-architecture checkpoints in Hugging Face format. config.json's "architectures" picks the
/// head; a folder with a reward_head file beside a causal-LM decoder is the ReasonFlux-PRM-1.5B scalar model.
/// </summary>
public static class PretrainedModel
{
    public const string CausalLM = "Qwen2ForCausalLM";
    public const string ProcessRewardModel = "Qwen2ForProcessRewardModel";
    public const string ScalarRewardHeadFile = "reward_head.safetensors";

    /// <summary>Loads whatever head the folder describes.</summary>
    public static LoadedModel Load(string directory, ScalarType? dtype = null, Device? device = null)
    {
        var config = Qwen2Config.Load(directory);
        var arch = config.Architectures[0];
        var wantType = dtype ?? config.TorchDtype;
        var dev = device ?? Device.CPU;
        EnsureRunnable(wantType, dev, dtype is null ? $"{Path.Combine(directory, "config.json")}: \"torch_dtype\"" : "model.dtype");
        using var checkpoint = OpenCheckpoint(directory);
        var source = new CheckpointParameters(checkpoint, checkpoint.IsSharded ? Path.Combine(directory, "model.safetensors.index.json") : Path.Combine(directory, "model.safetensors"), wantType, dev);
        nn.Module module;
        SafetensorsFile? headFile = null;
        try
        {
            switch (arch)
            {
                case ProcessRewardModel:
                    module = new Qwen2ForProcessRewardModel(config, source);
                    break;
                case Qwen2ScalarRewardModel.Architecture:
                    module = new Qwen2ScalarRewardModel(config, source);
                    break;
                case CausalLM when HasScalarHead(directory, checkpoint):
                    headFile = AddScalarHead(directory, checkpoint, source);
                    module = new Qwen2ScalarRewardModel(config, source);
                    config = config with { Architectures = [Qwen2ScalarRewardModel.Architecture] };
                    break;
                case CausalLM:
                    module = new Qwen2ForCausalLM(config, source);
                    break;
                default:
                    throw new InvalidDataException(
                        $"{Path.Combine(directory, "config.json")}: architecture \"{arch}\" is not supported (supported: {CausalLM}, {ProcessRewardModel}, and {CausalLM} with a {ScalarRewardHeadFile})");
            }
            return new LoadedModel(module, config, directory, source.Unused());
        }
        finally
        {
            headFile?.Dispose();
        }
    }

    /// <summary>
    /// float16 on the CPU fails deep inside libtorch ("not implemented for 'Half'") at the first matmul; say so
    /// up front, naming where the dtype came from.
    /// </summary>
    public static void EnsureRunnable(ScalarType dtype, Device device, string source)
    {
        if (dtype == ScalarType.Float16 && device.Type == DeviceType.CPU)
            throw new InvalidDataException($"{source}: float16 is not supported on the CPU (libtorch has no half-precision CPU kernels for these layers); use float32 or bfloat16 (model.dtype), or run on a GPU");
    }

    /// <summary>Loads a causal LM, failing clearly if the folder holds another kind of model.</summary>
    public static Qwen2ForCausalLM LoadCausalLM(string directory, ScalarType? dtype = null, Device? device = null) =>
        LoadCausalLM(directory, dtype, device, out _);

    /// <summary>Loads a causal LM and says which checkpoint tensors it left unused (callers warn, naming them).</summary>
    public static Qwen2ForCausalLM LoadCausalLM(string directory, ScalarType? dtype, Device? device, out IReadOnlyList<string> unusedTensors)
    {
        var loaded = Load(directory, dtype, device);
        unusedTensors = loaded.UnusedTensors;
        if (loaded.Module is Qwen2ForCausalLM lm) return lm;
        loaded.Dispose();
        throw new InvalidDataException($"{directory}: expected a {CausalLM} checkpoint, found {loaded.Config.Architectures[0]}");
    }

    /// <summary>A freshly initialised model (HF's initialisation) for a config: tests, the quickstart, training from scratch.</summary>
    public static nn.Module Create(Qwen2Config config, long seed, ScalarType? dtype = null, Device? device = null)
    {
        EnsureRunnable(dtype ?? config.TorchDtype, device ?? Device.CPU, dtype is null ? "the config's torch_dtype" : "model.dtype");
        using var init = new RandomParameters(seed, config.InitializerRange, dtype ?? config.TorchDtype, device ?? Device.CPU);
        return config.Architectures[0] switch
        {
            ProcessRewardModel => new Qwen2ForProcessRewardModel(config, init),
            Qwen2ScalarRewardModel.Architecture => new Qwen2ScalarRewardModel(config, init),
            _ => new Qwen2ForCausalLM(config, init),
        };
    }

    private static SafetensorsCheckpoint OpenCheckpoint(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: model folder not found");
        return SafetensorsCheckpoint.Open(directory);
    }

    private static bool HasScalarHead(string directory, SafetensorsCheckpoint checkpoint)
    {
        if (File.Exists(Path.Combine(directory, "reward_head.pt")) && !File.Exists(Path.Combine(directory, ScalarRewardHeadFile)))
            throw new InvalidDataException(
                $"{directory}: reward_head.pt is a pickle, which ReasonFlux.Rl never executes. Convert it once with: " +
                "python -c \"import torch,safetensors.torch as s; s.save_file(torch.load('reward_head.pt'), 'reward_head.safetensors')\"");
        return File.Exists(Path.Combine(directory, ScalarRewardHeadFile)) || checkpoint.Contains("reward_head.weight");
    }

    private static SafetensorsFile? AddScalarHead(string directory, SafetensorsCheckpoint checkpoint, CheckpointParameters source)
    {
        var path = Path.Combine(directory, ScalarRewardHeadFile);
        if (!File.Exists(path)) return null; // head stored inside the main checkpoint
        var head = SafetensorsFile.Open(path);
        // torch.save(reward_head.state_dict()) has keys "weight"/"bias"; accept them with or without the prefix.
        source.Add(head, path, name => name.StartsWith("reward_head.", StringComparison.Ordinal)
            ? (head.Contains(name) ? name : name["reward_head.".Length..])
            : null);
        return head;
    }

    /// <summary>
    /// Writes config.json and model.safetensors (sharded above <paramref name="maxShardBytes"/>) that transformers
    /// loads. Tensors are converted one at a time while writing, so a GPU model never needs a full CPU copy.
    /// <paramref name="values"/>, in named_parameters() order, replaces the parameters' own values: an
    /// optimizer's fp32 master weights of a bf16 model.
    /// </summary>
    public static void Save(nn.Module model, Qwen2Config config, string directory, ScalarType? saveDtype = null, long maxShardBytes = 5_000_000_000, IReadOnlyList<Tensor>? values = null)
    {
        System.IO.Directory.CreateDirectory(directory);
        var dtype = saveDtype ?? config.TorchDtype;
        var named = model.named_parameters().ToList();
        if (values is not null && values.Count != named.Count)
            throw new ArgumentException($"{values.Count} parameter values for a model with {named.Count} parameters", nameof(values));
        var sources = named.Select((p, i) => TensorFiles.Source(p.Name, values?[i] ?? p.Parameter, dtype)).ToList();
        SafetensorsWriter.WriteCheckpoint(directory, sources, new SafetensorsWriteOptions { MaxShardSize = maxShardBytes });
        var json = config.ToJson(dtype);
        File.WriteAllText(Path.Combine(directory, "config.json"), json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
