using System.Text.Json;
using System.Text.Json.Nodes;
using ReasonFlux.Models;
using ReasonFlux.Models.Weights;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Training.Common;

/// <summary>
/// Everything a trainer needs to continue exactly where it stopped: the model (a Hugging Face folder under
/// model/, loadable on its own), AdamW's moments and step counts, the RNG states, and the trainer's own state
/// (step, data cursor, …) as JSON. Restoring all of it makes a resumed CPU run bit-identical to an uninterrupted one.
/// </summary>
public static class TrainerCheckpoint
{
    public const string ModelFolder = "model";
    public const string OptimizerFile = "optimizer.safetensors";
    public const string StateFile = "trainer_state.json";

    /// <summary>
    /// Writes a checkpoint's contents into <paramref name="directory"/> (the checkpoint store renames it into place).
    /// The model folder holds the master weights in their dtype (the model's own when there are none).
    /// <paramref name="optimizer"/> is every rank's <see cref="StageOptimizer.Gather"/>, taken before the writer saves.
    /// </summary>
    public static void Write(string directory, LanguageModel policy, OptimizerSnapshot optimizer, ScalarType? masterDtype, JsonObject trainerState, IReadOnlyDictionary<string, Generator>? generators = null) =>
        Write(directory, policy.Model, dir => policy.Save(dir, MasterSaveDtype(policy.Model.Model.DType, masterDtype), optimizer.MasterWeights), optimizer, trainerState, generators);

    /// <summary>The dtype a checkpoint's model folder is written in: the master weights' when the optimizer keeps them.</summary>
    public static ScalarType MasterSaveDtype(ScalarType modelDtype, ScalarType? masterDtype) => masterDtype ?? modelDtype;

    /// <summary>The same for any module; <paramref name="saveModel"/> writes the loadable model folder it is given.</summary>
    public static void Write(string directory, nn.Module model, Action<string> saveModel, OptimizerSnapshot optimizer, JsonObject trainerState, IReadOnlyDictionary<string, Generator>? generators = null)
    {
        saveModel(Path.Combine(directory, ModelFolder));
        using var scope = NewDisposeScope();
        var names = model.named_parameters().Select(p => p.Name).ToArray();
        if (names.Length != optimizer.Steps.Length)
            throw new ArgumentException($"the model has {names.Length} parameters, the optimizer state {optimizer.Steps.Length}", nameof(optimizer));
        var tensors = new List<(string, Tensor)>();
        var steps = new JsonObject();
        for (int i = 0; i < names.Length; i++)
        {
            tensors.Add(($"{names[i]}.exp_avg", optimizer.ExpAvg[i]));
            tensors.Add(($"{names[i]}.exp_avg_sq", optimizer.ExpAvgSq[i]));
            steps[names[i]] = optimizer.Steps[i];
            // Master weights of narrower parameters: resuming from the bf16 values alone would lose the updates
            // below bf16's resolution that the master copy has accumulated.
            if (optimizer.MasterWeights[i].dtype != optimizer.ParameterDtypes[i]) tensors.Add(($"{names[i]}.master", optimizer.MasterWeights[i]));
        }
        tensors.Add(("rng.default", get_rng_state()));
        if (generators is not null)
            foreach (var (name, g) in generators) tensors.Add(($"rng.{name}", g.get_state()));
        TensorFiles.Write(Path.Combine(directory, OptimizerFile), tensors);
        var state = (JsonObject)trainerState.DeepClone();
        state["optimizer_steps"] = steps;
        File.WriteAllText(Path.Combine(directory, StateFile), state.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Folder of the checkpoint's model (a complete Hugging Face folder).</summary>
    public static string ModelDirectory(string checkpoint) => Path.Combine(checkpoint, ModelFolder);

    /// <summary>
    /// The policy to resume with: tokenizer, chat template and config from the recipe's model folder, weights from
    /// the checkpoint (copied bit for bit). Loading the policy straight from <see cref="ModelDirectory"/> would make
    /// that folder the policy's <see cref="LanguageModel.Directory"/>, whose tokenizer files every later save copies;
    /// the checkpoint store prunes old step-N folders (keep_last), so a later save would fail on a deleted folder.
    /// </summary>
    public static LanguageModel LoadPolicy(string checkpoint, ModelOptions model, string workDirectory, long seed, Device? device = null)
    {
        var weightsDirectory = ModelDirectory(checkpoint);
        if (!Directory.Exists(weightsDirectory)) throw new DirectoryNotFoundException($"{weightsDirectory}: checkpoint has no model folder");
        var policy = ModelResolver.LoadPolicy(model, workDirectory, seed, device);
        try
        {
            // On the CPU, so resuming never holds two copies of the model on the accelerator.
            using var saved = PretrainedModel.LoadCausalLM(weightsDirectory, policy.Model.Model.DType, Device.CPU);
            policy.Model.load_state_dict(saved.state_dict());
            return policy;
        }
        catch
        {
            policy.Dispose();
            throw;
        }
    }

    /// <summary>Restores optimizer state and RNG states; returns the trainer's JSON state.</summary>
    public static JsonObject Restore(string directory, LanguageModel policy, StageOptimizer optimizer, IReadOnlyDictionary<string, Generator>? generators = null) =>
        Restore(directory, policy.Model, optimizer, policy.Model.Model.Device, generators);

    /// <summary>
    /// The same for any module whose parameters live on <paramref name="device"/>. Under ZeRO-1 each rank keeps the
    /// moments of the parameters it owns; the state is keyed by parameter name, so any world size can resume it.
    /// </summary>
    public static JsonObject Restore(string directory, nn.Module model, StageOptimizer optimizer, Device device, IReadOnlyDictionary<string, Generator>? generators = null)
    {
        var statePath = Path.Combine(directory, StateFile);
        if (!File.Exists(statePath)) throw new FileNotFoundException($"{statePath}: trainer state missing from the checkpoint", statePath);
        JsonObject state;
        try { state = JsonNode.Parse(File.ReadAllText(statePath))!.AsObject(); }
        catch (Exception e) when (e is JsonException or InvalidOperationException) { throw new InvalidDataException($"{statePath}: {e.Message}"); }
        var steps = state["optimizer_steps"]?.AsObject() ?? throw new InvalidDataException($"{statePath}: \"optimizer_steps\" missing");
        var tensors = TensorFiles.Read(Path.Combine(directory, OptimizerFile), device);
        try
        {
            var names = model.named_parameters().Select(p => p.Name).ToArray();
            for (int i = 0; i < names.Length; i++)
            {
                if (!tensors.TryGetValue($"{names[i]}.exp_avg", out var m) || !tensors.TryGetValue($"{names[i]}.exp_avg_sq", out var v))
                    throw new InvalidDataException($"{Path.Combine(directory, OptimizerFile)}: no optimizer state for \"{names[i]}\"");
                optimizer.SetState(i, m, v, (long)steps[names[i]]!);
                if (tensors.TryGetValue($"{names[i]}.master", out var master)) optimizer.SetMasterWeight(i, master);
            }
            if (tensors.TryGetValue("rng.default", out var rng)) set_rng_state(rng);
            if (generators is not null)
                foreach (var (name, g) in generators)
                    if (tensors.TryGetValue($"rng.{name}", out var s)) g.set_state(s);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
        return state;
    }
}
