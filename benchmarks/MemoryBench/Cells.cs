using ReasonFlux.Models;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Training.Common;
using ReasonFlux.Training.Grpo;
using ReasonFlux.Training.Sft;
using ReasonFlux.Torch;

namespace MemoryBench;

/// <summary>One measured configuration: which update, how many rows of how many tokens, and the two memory switches.</summary>
internal sealed record CellConfig(string Kind, int Rows, int Seq, bool Checkpointing, bool ChunkedLogProbs)
{
    public string Name => $"{Kind}-{Rows}x{Seq}-ckpt{(Checkpointing ? "on" : "off")}-chunk{(ChunkedLogProbs ? "on" : "off")}";

    public string[] Arguments => [Kind, Rows.ToString(), Seq.ToString(), Checkpointing ? "on" : "off", ChunkedLogProbs ? "on" : "off"];

    public static CellConfig Parse(string[] a) => new(a[0], int.Parse(a[1]), int.Parse(a[2]), a[3] == "on", a[4] == "on");
}

/// <summary>
/// The product's own SFT step (<see cref="SftTrainer"/>) and GRPO update (<see cref="GrpoUpdate"/>), one optimizer
/// step each, with the same switches the recipes set (model.gradient_checkpointing; chunk 0 = full [N, V] logits).
/// </summary>
internal static class Cells
{
    /// <summary>Deterministic token ids (the formula PerfBench's peer shares), so every cell trains on the same rows.</summary>
    private static int[] Row(long row, int length, long vocab)
    {
        var ids = new int[length];
        for (int t = 0; t < length; t++) ids[t] = (int)((row * 1009 + t * 7919 + 17) % (vocab - 8) + 4);
        return ids;
    }

    public static double Run(CellConfig c, LanguageModel policy)
    {
        policy.Model.Model.GradientCheckpointing = c.Checkpointing;
        policy.Model.LogitsChunk = c.ChunkedLogProbs ? torch.nn.functional.DefaultLogitsChunk : 0;
        // Chunked on = the bounded mode: every chunk recomputed in backward, never kept whole (the default keeps
        // logits that fit a 256 MB budget, which 1k tokens of builtin:25m do).
        policy.Model.LogitsKeepElements = 0;
        long vocab = policy.Model.Config.VocabSize;
        var optimizer = new OptimizerOptions { Lr = 1e-5, Beta2 = 0.95, WeightDecay = 0, MaxGradNorm = 1.0 };
        if (c.Kind == "sft")
        {
            using var trainer = new SftTrainer(policy, optimizer, completionOnlyLoss: false);
            var batch = Enumerable.Range(0, c.Rows).Select(r => new SftExample(Row(r, c.Seq, vocab), 0, $"row {r}")).ToArray();
            return trainer.Step(batch, batch.Length, 1e-5).Loss;
        }
        if (c.Kind == "grpo")
        {
            // A 64-token prompt and the rest completion; one micro-batch of every row, entropy computed (as the
            // update always does), no reference model (beta_kl 0).
            const int prompt = 64;
            var options = new GrpoOptions
            {
                Rollout = new GrpoRolloutOptions { PromptsPerStep = 1, GroupSize = c.Rows },
                Training = new GrpoTrainingOptions { MicroBatchSize = c.Rows },
                Algorithm = new GrpoAlgorithmOptions { BetaKl = 0 },
                Optimizer = optimizer,
            };
            using var adam = ModelResolver.CreateOptimizer(policy.Model.parameters().ToArray(), policy.Model.Model.DType, optimizer, new DataParallel(ReasonFlux.Runs.Distributed.DistributedContext.Single));
            var update = new GrpoUpdate(policy.Model, null, adam, options, policy.PadTokenId, new NonFiniteStepGuard(new TrainingOptions().MaxConsecutiveSkips));
            int completion = c.Seq - prompt;
            var sequences = Enumerable.Range(0, c.Rows).Select(r =>
            {
                var row = Row(r, c.Seq, vocab);
                float advantage = r % 2 == 0 ? 1f : -1f;
                return new GrpoSequence(row[..prompt], row[prompt..], Enumerable.Repeat(advantage, completion).ToArray(), new float[completion]);
            }).ToArray();
            return update.Run(sequences, _ => 1e-6)["loss"];
        }
        throw new ArgumentException($"unknown kind {c.Kind} (sft or grpo)");
    }
}
