using System.Text.Json;
using System.Text.Json.Nodes;
using ReasonFlux.Models.Qwen2;
using ReasonFlux.Models.Weights;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Training.Prm;

/// <summary>
/// A PRM trainer checkpoint, the equivalent of <see cref="Common.TrainerCheckpoint"/> for a reward model:
/// model/ (the PRM Hugging Face folder, loadable and scorable on its own, in the training dtype so a resume gets
/// the same bits), optimizer.safetensors (AdamW moments by parameter name) and trainer_state.json (step, data
/// cursor, AdamW step counts). Training has no randomness after initialisation, so no RNG state is needed.
/// </summary>
public static class PrmTrainerCheckpoint
{
    public const string ModelFolder = "model";
    public const string OptimizerFile = "optimizer.safetensors";
    public const string StateFile = "trainer_state.json";

    public static string ModelDirectory(string checkpoint) => Path.Combine(checkpoint, ModelFolder);

    public static void Write(string directory, nn.Module model, Qwen2Config config, PrmTokenizerFiles tokenizer, ScalarType dtype, optim.AdamW optimizer, JsonObject trainerState)
    {
        PrmModelFolder.Save(model, config, tokenizer, ModelDirectory(directory), dtype);
        using var scope = NewDisposeScope();
        var names = model.named_parameters().Select(p => p.Name).ToArray();
        var tensors = new List<(string, Tensor)>();
        var steps = new JsonObject();
        for (int i = 0; i < names.Length; i++)
        {
            var (m, v, step) = optimizer.GetState(i);
            tensors.Add(($"{names[i]}.exp_avg", m));
            tensors.Add(($"{names[i]}.exp_avg_sq", v));
            steps[names[i]] = step;
        }
        TensorFiles.Write(Path.Combine(directory, OptimizerFile), tensors);
        var state = (JsonObject)trainerState.DeepClone();
        state["optimizer_steps"] = steps;
        File.WriteAllText(Path.Combine(directory, StateFile), state.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Restores AdamW's state into <paramref name="optimizer"/> (built over <paramref name="model"/>'s parameters) and returns the trainer state.</summary>
    public static JsonObject Restore(string directory, nn.Module model, optim.AdamW optimizer, Device device)
    {
        var statePath = Path.Combine(directory, StateFile);
        if (!File.Exists(statePath)) throw new FileNotFoundException($"{statePath}: trainer state missing from the checkpoint", statePath);
        JsonObject state;
        try { state = JsonNode.Parse(File.ReadAllText(statePath))!.AsObject(); }
        catch (Exception e) when (e is JsonException or InvalidOperationException) { throw new InvalidDataException($"{statePath}: {e.Message}"); }
        var steps = state["optimizer_steps"]?.AsObject() ?? throw new InvalidDataException($"{statePath}: \"optimizer_steps\" missing");
        var optimizerPath = Path.Combine(directory, OptimizerFile);
        var tensors = TensorFiles.Read(optimizerPath, device);
        try
        {
            var names = model.named_parameters().Select(p => p.Name).ToArray();
            for (int i = 0; i < names.Length; i++)
            {
                if (!tensors.TryGetValue($"{names[i]}.exp_avg", out var m) || !tensors.TryGetValue($"{names[i]}.exp_avg_sq", out var v) || steps[names[i]] is null)
                    throw new InvalidDataException($"{optimizerPath}: no optimizer state for \"{names[i]}\"");
                optimizer.SetState(i, m, v, (long)steps[names[i]]!);
            }
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
        return state;
    }
}
