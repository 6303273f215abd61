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
/// model/, loadable on its own), AdamW's moments, master copies and step counts (one file per owner rank, <see cref="OptimizerShardFiles"/>), the RNG states, and the trainer's own state
/// (step, data cursor, …) as JSON. Restoring all of it makes a resumed CPU run bit-identical to an uninterrupted one.
/// </summary>
public static class TrainerCheckpoint
{
    public const string ModelFolder = "model";
    public const string StateFile = "trainer_state.json";

    /// <summary>RNG states (rank 0's default generator and the trainer's named ones).</summary>
    public const string RngFile = "rng.safetensors";

    /// <summary>
    /// Writes a checkpoint: a collective every rank calls, with the new checkpoint's folder on the writer (the
    /// checkpoint store renames it into place) and null on the others, which stream their optimizer state to it.
    /// The model folder holds the master weights in their dtype (the model's own when there are none).
    /// </summary>
    public static void Write(string? directory, LanguageModel policy, StageOptimizer optimizer, JsonObject trainerState, IReadOnlyDictionary<string, Generator>? generators = null) =>
        Write(directory, policy.Model, (dir, masters) => policy.Save(dir, MasterSaveDtype(policy.Model.Model.DType, optimizer.MasterDtype), masters), optimizer, trainerState, generators);

    /// <summary>The dtype a checkpoint's model folder is written in: the master weights' when the optimizer keeps them.</summary>
    public static ScalarType MasterSaveDtype(ScalarType modelDtype, ScalarType? masterDtype) => masterDtype ?? modelDtype;

    /// <summary>The same for any module; <paramref name="saveModel"/> writes the loadable model folder it is given from the full-precision values.</summary>
    public static void Write(string? directory, nn.Module model, Action<string, Tensor[]> saveModel, StageOptimizer optimizer, JsonObject trainerState, IReadOnlyDictionary<string, Generator>? generators = null) =>
        Write(directory, model.named_parameters().Select(p => p.Name).ToArray(), saveModel, optimizer, trainerState, generators);

    /// <summary>
    /// The same for an optimizer over some of a model's parameters, named by <paramref name="names"/> in the
    /// optimizer's order (a frozen decoder has no optimizer state); <paramref name="saveModel"/> gets their values.
    /// </summary>
    public static void Write(string? directory, IReadOnlyList<string> names, Action<string, Tensor[]> saveModel, StageOptimizer optimizer, JsonObject trainerState, IReadOnlyDictionary<string, Generator>? generators = null)
    {
        if (names.Count != optimizer.Parameters.Count)
            throw new ArgumentException($"{names.Count} parameter names for the optimizer's {optimizer.Parameters.Count} parameters", nameof(names));
        using (var scope = NewDisposeScope())
        {
            var masters = optimizer.WriterMasterWeights(); // null off the writer
            if (directory is not null) saveModel(Path.Combine(directory, ModelFolder), masters!);
        }
        OptimizerShardFiles.Write(directory, names, optimizer);
        var counts = optimizer.StepCounts();
        if (directory is null) return;
        using (var scope = NewDisposeScope())
        {
            var rng = new List<(string, Tensor)> { ("rng.default", get_rng_state()) };
            if (generators is not null)
                foreach (var (name, g) in generators) rng.Add(($"rng.{name}", g.get_state()));
            TensorFiles.Write(Path.Combine(directory, RngFile), rng);
        }
        var steps = new JsonObject();
        for (int i = 0; i < names.Count; i++) steps[names[i]] = counts[i];
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
    /// The same for any module whose parameters live on <paramref name="device"/>. Each rank reads the optimizer
    /// state of the parameters it owns only (ZeRO-0: all of them), by parameter name, so any world size resumes it.
    /// </summary>
    public static JsonObject Restore(string directory, nn.Module model, StageOptimizer optimizer, Device device, IReadOnlyDictionary<string, Generator>? generators = null) =>
        Restore(directory, model.named_parameters().Select(p => p.Name).ToArray(), optimizer, device, generators);

    /// <summary>The same for an optimizer over the parameters <paramref name="names"/> names, in its order.</summary>
    public static JsonObject Restore(string directory, IReadOnlyList<string> names, StageOptimizer optimizer, Device device, IReadOnlyDictionary<string, Generator>? generators = null)
    {
        var statePath = Path.Combine(directory, StateFile);
        if (!File.Exists(statePath)) throw new FileNotFoundException($"{statePath}: trainer state missing from the checkpoint", statePath);
        JsonObject state;
        try { state = JsonNode.Parse(File.ReadAllText(statePath))!.AsObject(); }
        catch (Exception e) when (e is JsonException or InvalidOperationException) { throw new InvalidDataException($"{statePath}: {e.Message}"); }
        var steps = state["optimizer_steps"]?.AsObject() ?? throw new InvalidDataException($"{statePath}: \"optimizer_steps\" missing");
        OptimizerShardFiles.Restore(directory, names, optimizer, steps, device);
        // Checkpoints from before the shards kept the RNG states in their one optimizer file.
        var rngPath = Path.Combine(directory, RngFile);
        if (!File.Exists(rngPath)) rngPath = Path.Combine(directory, OptimizerShardFiles.LegacyFile);
        if (!File.Exists(rngPath)) throw new FileNotFoundException($"{Path.Combine(directory, RngFile)}: RNG states missing from the checkpoint", rngPath);
        var tensors = TensorFiles.Read(rngPath, name => name.StartsWith("rng.", StringComparison.Ordinal));
        try
        {
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
