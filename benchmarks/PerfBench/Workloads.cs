using ReasonFlux.Models;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Rewards;
using ReasonFlux.Rollout;
using ReasonFlux.Training.Common;
using ReasonFlux.Training.Grpo;
using ReasonFlux.Training.Sft;
using ReasonFlux.Torch;

namespace PerfBench;

/// <summary>Shape of one benchmark cell; the peer gets the same numbers on its command line.</summary>
internal sealed record CellShape(int Batch, int Seq, int Prompt, int NewTokens, int Items, int Steps)
{
    public string PeerArguments => $"--batch {Batch} --seq {Seq} --prompt {Prompt} --new {NewTokens} --items {Items} --steps {Steps}";
}

/// <summary>Where our side runs: fp32 on the CPU against the peers, bf16 on a GPU in the GPU run.</summary>
internal sealed record Placement(ScalarType DType, Device Device);

/// <summary>Our side of one cell: the product's own code path (trainer, update, scorer, engine), one iteration per call.</summary>
internal interface IWorkload : IDisposable
{
    /// <summary>Runs one iteration and returns a value that both sides compute (loss, score sum, last token).</summary>
    double Step();

    /// <summary>Tokens one iteration processes (for tokens/s).</summary>
    long Tokens { get; }
}

internal sealed class SftWorkload : IWorkload
{
    private readonly LanguageModel _policy;
    private readonly SftTrainer _trainer;
    private readonly SftExample[] _batch;

    public SftWorkload(string checkpoint, CellShape s, Placement place)
    {
        _policy = LanguageModel.Load(checkpoint, place.DType, place.Device);
        _trainer = new SftTrainer(_policy, new OptimizerOptions { Lr = 1e-5, Beta2 = 0.95, WeightDecay = 0, MaxGradNorm = 1.0 }, completionOnlyLoss: false);
        long vocab = _policy.Model.Config.VocabSize;
        _batch = Enumerable.Range(0, s.Batch).Select(r => new SftExample(Inputs.Row(r, s.Seq, vocab), 0, $"row {r}")).ToArray();
        Tokens = (long)s.Batch * s.Seq;
    }

    public long Tokens { get; }

    public double Step() => _trainer.Step(_batch, _batch.Length, 1e-5).Loss;

    public void Dispose()
    {
        _trainer.Dispose();
        _policy.Dispose();
    }
}

internal sealed class GrpoWorkload : IWorkload
{
    private readonly LanguageModel _policy;
    private readonly StageOptimizer _optimizer;
    private readonly GrpoUpdate _update;
    private readonly GrpoSequence[] _sequences;

    public GrpoWorkload(string checkpoint, CellShape s, Placement place)
    {
        _policy = LanguageModel.Load(checkpoint, place.DType, place.Device);
        var options = new GrpoOptions
        {
            Rollout = new GrpoRolloutOptions { PromptsPerStep = 1, GroupSize = s.Batch },
            Training = new GrpoTrainingOptions { MicroBatchSize = s.Batch },
            Algorithm = new GrpoAlgorithmOptions { BetaKl = 0 },
            Optimizer = new OptimizerOptions { Lr = 1e-6, Beta2 = 0.95, WeightDecay = 0, MaxGradNorm = 1.0 },
        };
        var o = options.Optimizer;
        _optimizer = new StageOptimizer(_policy.Model.parameters().ToArray(), new DataParallel(ReasonFlux.Runs.Distributed.DistributedContext.Single), shardState: false,
            o.Lr, o.Beta1, o.Beta2, o.Eps, o.WeightDecay, masterDtype: null);
        _update = new GrpoUpdate(_policy.Model, null, _optimizer, options, _policy.PadTokenId, new NonFiniteStepGuard(new TrainingOptions().MaxConsecutiveSkips));
        long vocab = _policy.Model.Config.VocabSize;
        int completion = s.Seq - s.Prompt;
        _sequences = Enumerable.Range(0, s.Batch).Select(r =>
        {
            var row = Inputs.Row(r, s.Seq, vocab);
            var advantage = r % 2 == 0 ? 1f : -1f;
            return new GrpoSequence(row[..s.Prompt], row[s.Prompt..], Enumerable.Repeat(advantage, completion).ToArray(), new float[completion]);
        }).ToArray();
        Tokens = (long)s.Batch * s.Seq;
    }

    public long Tokens { get; }

    public double Step() => _update.Run(_sequences, _ => 1e-6)["loss"];

    public void Dispose()
    {
        _optimizer.Dispose();
        _policy.Dispose();
    }
}

internal sealed class PrmWorkload : IWorkload
{
    private readonly PrmScorer _scorer;
    private readonly PrmEncodedInput[] _inputs;

    public PrmWorkload(string checkpoint, CellShape s, Placement place)
    {
        // Same batches as the peer: longest first, Batch rows each, no token budget in the way.
        _scorer = PrmScorer.Load(checkpoint, new PrmScoringOptions { MaxBatchSize = s.Batch, TokenBudget = long.MaxValue }, place.DType, place.Device);
        var lengths = Inputs.PrmLengths(s.Items, s.Seq);
        long vocab = 32000;
        _inputs = lengths.Select((n, i) => new PrmEncodedInput(Inputs.Row(i, n, vocab), Inputs.PrmSeparators(n, s.Steps), s.Steps, s.Steps, false)).ToArray();
        Tokens = lengths.Sum();
    }

    public long Tokens { get; }

    public double Step() => _scorer.Read(_inputs).Sum(r => r.Sum(x => (double)x));

    public void Dispose() => _scorer.Dispose();
}

internal sealed class RolloutWorkload : IWorkload
{
    private readonly LanguageModel _policy;
    private readonly RolloutEngine _engine;
    private readonly int[][] _prompts;
    private readonly SamplingParams _sampling;

    public RolloutWorkload(string checkpoint, CellShape s, Placement place)
    {
        _policy = LanguageModel.Load(checkpoint, place.DType, place.Device);
        _engine = new RolloutEngine(_policy.Model, options: new RolloutEngineOptions { MaxBatchSize = s.Batch, MaxBatchTokens = long.MaxValue });
        _prompts = Enumerable.Range(0, s.Batch).Select(r => Inputs.Row(r, s.Prompt, _policy.Model.Config.VocabSize)).ToArray();
        // Greedy, no stop token: every row generates exactly NewTokens, as in the peer.
        _sampling = new SamplingParams { Temperature = 0, MaxNewTokens = s.NewTokens };
        Tokens = (long)s.Batch * s.NewTokens;
    }

    public long Tokens { get; }

    public RolloutStats LastStats => _engine.LastStats;

    public double Step() => _engine.Generate(_prompts, _sampling)[0].TokenIds[^1];

    public void Dispose() => _policy.Dispose();
}
