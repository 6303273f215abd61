using ReasonFlux.Checkpoints;
using ReasonFlux.Models.Builtin;

namespace ReasonFlux.Cli.Tests;

/// <summary>A checkpoint tensor the model does not use is named in a warning, on the terminal and in run.log (issue 16: it was accepted silently).</summary>
public class UnusedTensorWarningTests
{
    /// <summary>builtin:tiny plus a tensor no Qwen2 module has; returns the weights file.</summary>
    private static string ModelWithStrayTensor(string model)
    {
        BuiltinModels.Materialize("builtin:tiny", model, seed: 1);
        var weights = Path.Combine(model, "model.safetensors");
        using (var original = SafetensorsFile.Open(weights))
        {
            var sources = original.Names.Select(n => TensorWriteSource.FromView(original, n))
                .Append(TensorWriteSource.FromBytes("stray_head.weight", DType.F32, [2], new byte[8]));
            SafetensorsWriter.WriteFile(weights + ".new", sources);
        }
        File.Move(weights + ".new", weights, overwrite: true);
        return weights;
    }

    [Fact]
    public void Generate_ModelWithAnExtraTensor_WarnsNamingIt()
    {
        using var dir = new TempDir();
        var weights = ModelWithStrayTensor(dir["model"]);
        File.WriteAllText(dir["in.jsonl"], "{\"prompt\": \"1+1?\"}\n");
        var (code, output) = CliProcess.Run(null, TimeSpan.FromMinutes(1), "generate", "--model", dir["model"], "--input", dir["in.jsonl"],
            "--output", dir["out.jsonl"], "--max-new-tokens", "2");
        Assert.True(code == 0, $"exit {code}:\n{output}");
        Assert.Contains($"warning: 1 checkpoint tensor(s) are not part of the model and were ignored: {weights}:stray_head.weight", output);
    }

    [Fact]
    public void Train_ModelWithAnExtraTensor_WarnsNamingIt_OnTheTerminalAndInRunLog()
    {
        using var dir = new TempDir();
        var model = dir["model"];
        var weights = ModelWithStrayTensor(model);
        File.WriteAllText(dir["train.jsonl"], "{\"prompt\": \"1+1?\", \"completion\": \"2\"}\n");
        File.WriteAllText(dir["sft.yaml"], $$"""
            run_name: unused
            output_dir: "{{dir["runs"]}}"
            kind: sft
            model: { path: "{{model}}", dtype: float32, gradient_checkpointing: false }
            data: { train: "{{dir["train.jsonl"]}}", max_seq_len: 32 }
            training: { steps: 1, micro_batch_size: 1 }
            logging: { progress: plain, tensorboard: false }
            """);

        var (code, output) = CliProcess.Run(null, TimeSpan.FromMinutes(2), "train", dir["sft.yaml"]);

        Assert.True(code == 0, $"exit {code}:\n{output}");
        var expected = $"1 checkpoint tensor(s) are not part of the model and were ignored: {weights}:stray_head.weight";
        Assert.Contains(output.Split('\n'), l => l.Contains("[WRN]") && l.Contains(expected));
        Assert.Contains(expected, File.ReadAllText(Path.Combine(dir["runs"], "unused", "run.log")));
    }
}
