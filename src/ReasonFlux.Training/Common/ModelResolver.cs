using ReasonFlux.Models;
using ReasonFlux.Models.Builtin;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Training.Common;

/// <summary>Turns a recipe's model section into a loaded model on the training device.</summary>
public static class ModelResolver
{
    /// <summary>
    /// This process's GPU (cuda:LOCAL_RANK, one GPU per rank as torchrun and srun lay them out) when libtorch has
    /// CUDA, else the CPU.
    /// </summary>
    public static Device TrainingDevice(int localRank = 0) => DeviceOf(DeviceNames.Auto, localRank);

    /// <summary>model.device: cpu, cuda, cuda:N as written; auto as <see cref="TrainingDevice"/> describes.</summary>
    public static Device DeviceOf(ModelOptions model, int localRank = 0) => DeviceOf(model.Device, localRank);

    /// <summary>
    /// A device key's value (<paramref name="key"/> names it in errors): cpu, cuda, cuda:N as written, refused when
    /// this libtorch or machine lacks it; auto: <paramref name="auto"/> when given (a frozen model beside the
    /// stage's policy), else as <see cref="TrainingDevice"/> describes.
    /// </summary>
    public static Device DeviceOf(string device, int localRank, string key = "model.device", Device? auto = null)
    {
        if (device == DeviceNames.Auto && auto is { } given) return given;
        if (device != DeviceNames.Auto)
        {
            if (!DeviceNames.IsValid(device)) throw new InvalidDataException($"{key} is \"{device}\": expected auto, cpu, cuda or cuda:N");
            var chosen = Device.Parse(device);
            if (chosen.Type == DeviceType.CUDA && !torch.cuda.is_available())
                throw new InvalidDataException($"{key} is {device} but this libtorch build has no CUDA device (use auto or cpu)");
            if (chosen.Type == DeviceType.CUDA && chosen.Index >= torch.cuda.device_count())
                throw new InvalidDataException($"{key} is {device} but this machine has {torch.cuda.device_count()} CUDA device(s)");
            return chosen;
        }
        return torch.cuda.is_available() ? Device.CUDA(localRank % Math.Max(1, torch.cuda.device_count())) : Device.CPU;
    }

    public static ScalarType ToScalarType(ModelDType d) => d switch
    {
        ModelDType.BFloat16 => ScalarType.BFloat16,
        ModelDType.Float16 => ScalarType.Float16,
        _ => ScalarType.Float32,
    };

    /// <summary>The dtype of AdamW's master weights and moments: null when the model already computes in optimizer.master_dtype.</summary>
    public static ScalarType? MasterDtype(ScalarType computeDtype, OptimizerOptions optimizer)
    {
        var master = ToScalarType(optimizer.MasterDtype);
        return master == computeDtype ? null : master;
    }

    /// <summary>The dtype a stage writes its output model in: model.save_dtype, else the source folder's torch_dtype.</summary>
    public static ScalarType SaveDtype(ModelOptions model, ScalarType folderDtype) => model.SaveDtype is { } d ? ToScalarType(d) : folderDtype;

    /// <summary>
    /// AdamW for a training stage's parameters, with master weights when model.dtype is narrower than
    /// optimizer.master_dtype, its state sharded over the ranks when the run has distributed.zero: 1.
    /// </summary>
    public static StageOptimizer CreateOptimizer(IEnumerable<Tensor> parameters, ScalarType computeDtype, OptimizerOptions o, DataParallel dataParallel) =>
        new(parameters, dataParallel, dataParallel.Distributed.ShardOptimizerState, o.Lr, o.Beta1, o.Beta2, o.Eps, o.WeightDecay, MasterDtype(computeDtype, o));

    /// <summary>
    /// The folder a model path names: a Hugging Face folder as is, or a built-in model written once into
    /// <paramref name="workDirectory"/> (initialised from <paramref name="seed"/>, so a resumed run sees the same weights).
    /// </summary>
    public static string Materialize(string path, string workDirectory, long seed)
    {
        if (!BuiltinModels.IsBuiltin(path))
        {
            if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"{path}: model folder not found");
            return path;
        }
        var dir = Path.Combine(workDirectory, "builtin-" + path[BuiltinModels.Prefix.Length..]);
        if (!File.Exists(Path.Combine(dir, "config.json"))) BuiltinModels.Materialize(path, dir, seed);
        return dir;
    }

    /// <summary>Warns, naming them, about checkpoint tensors the model did not use (at most 10 names).</summary>
    public static void WarnUnusedTensors(LanguageModel model, Serilog.ILogger log)
    {
        if (UnusedTensorsWarning(model.UnusedTensors) is { } warning) log.Warning("{Warning}", warning);
    }

    /// <summary>The warning text for checkpoint tensors the model did not use (at most 10 names); null when there are none.</summary>
    public static string? UnusedTensorsWarning(IReadOnlyList<string> unused)
    {
        if (unused.Count == 0) return null;
        var names = string.Join(", ", unused.Take(10)) + (unused.Count > 10 ? $", ... ({unused.Count} in all)" : "");
        return $"{unused.Count} checkpoint tensor(s) are not part of the model and were ignored: {names}";
    }

    /// <summary>Loads a policy (causal LM with its tokenizer and chat template).</summary>
    public static LanguageModel LoadPolicy(ModelOptions model, string workDirectory, long seed, Device? device = null) =>
        LanguageModel.Load(Materialize(model.Path, workDirectory, seed), ToScalarType(model.Dtype), device ?? DeviceOf(model), model.ChatTemplate);
}
