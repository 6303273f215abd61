using ReasonFlux.Models;
using ReasonFlux.Models.Heads;
using ReasonFlux.Tokenizers;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Rewards;

/// <summary>
/// A frozen ReasonFlux-PRM that scores (problem, response) pairs: the two-class head of ReasonFlux-PRM-7B /
/// Qwen2.5-Math-PRM in paper or released-code mode, or the scalar head of ReasonFlux-PRM-1.5B. The model sits on
/// its own device, runs without autograd, and scores many items per forward pass: inputs are sorted by length
/// and packed up to <see cref="PrmScoringOptions.TokenBudget"/> padded tokens, and the head is applied only at
/// the positions that are read. Not thread-safe: one caller at a time.
/// </summary>
public sealed class PrmScorer : IDisposable
{
    private readonly nn.Module _model;

    private PrmScorer(nn.Module model, PrmInputEncoder encoder, PrmScoringOptions options, Device device, string source)
    {
        _model = model;
        Encoder = encoder;
        Options = options;
        Device = device;
        Source = source;
        foreach (var p in model.parameters()) p.requires_grad = false;
    }

    public PrmScoringOptions Options { get; }
    public PrmInputEncoder Encoder { get; }
    public PrmHeadKind Head => Encoder.Head;
    public Device Device { get; }

    /// <summary>The folder the PRM was loaded from.</summary>
    public string Source { get; }

    /// <summary>
    /// Loads a PRM folder: config.json with architectures Qwen2ForProcessRewardModel (two-class) or a causal-LM
    /// folder with reward_head.safetensors / Qwen2ScalarRewardModel (scalar), its tokenizer.json and, for the
    /// two-class head, the chat template of its tokenizer_config.json (or <see cref="PrmScoringOptions.ChatTemplate"/>).
    /// </summary>
    public static PrmScorer Load(string directory, PrmScoringOptions? options = null, ScalarType? dtype = null, Device? device = null)
    {
        options ??= new PrmScoringOptions();
        options.Validate();
        var tokenizer = BpeTokenizer.FromDirectory(directory);
        var loaded = PretrainedModel.Load(directory, dtype, device);
        try
        {
            var head = loaded.Module switch
            {
                Qwen2ForProcessRewardModel => PrmHeadKind.TwoClass,
                Qwen2ScalarRewardModel => PrmHeadKind.Scalar,
                _ => throw new InvalidDataException(
                    $"{directory}: \"{loaded.Config.Architectures[0]}\" is not a reward model (expected {PretrainedModel.ProcessRewardModel}, or a causal LM with {PretrainedModel.ScalarRewardHeadFile})"),
            };
            var template = head == PrmHeadKind.TwoClass ? LoadTemplate(directory, options.ChatTemplate) : null;
            var encoder = new PrmInputEncoder(tokenizer, template, head, options, directory, (loaded.Module as Qwen2ForProcessRewardModel)?.Readout);
            if (encoder.SeparatorTokenId >= loaded.Config.VocabSize)
                throw new InvalidDataException($"{directory}: separator \"{options.SeparatorToken}\" has id {encoder.SeparatorTokenId}, outside the model's {loaded.Config.VocabSize} embeddings");
            return new PrmScorer(loaded.Module, encoder, options, device ?? Device.CPU, directory);
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }

    /// <summary>Wraps an already built model (its parameters are frozen; the scorer owns and disposes it).</summary>
    public static PrmScorer Create(nn.Module model, BpeTokenizer tokenizer, ChatTemplate? template, PrmScoringOptions? options = null, Device? device = null)
    {
        options ??= new PrmScoringOptions();
        var head = model switch
        {
            Qwen2ForProcessRewardModel => PrmHeadKind.TwoClass,
            Qwen2ScalarRewardModel => PrmHeadKind.Scalar,
            _ => throw new ArgumentException($"{model.GetType().Name} is not a reward model"),
        };
        return new PrmScorer(model, new PrmInputEncoder(tokenizer, template, head, options, readout: (model as Qwen2ForProcessRewardModel)?.Readout), options, device ?? Device.CPU, "(in memory)");
    }

    private static ChatTemplate LoadTemplate(string directory, string? spec)
    {
        if (spec is not null) return ChatTemplate.Load(spec, directory);
        try
        {
            return ChatTemplate.FromTokenizerConfig(directory);
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
        {
            throw new InvalidDataException($"{directory}: a two-class PRM is read in its own chat format, but no chat template was found ({e.Message}); pass one explicitly", e);
        }
    }

    /// <summary>Scores one response.</summary>
    public PrmScore Score(string problem, string response) => Score([PrmSample.FromResponse(problem, response, Options.StepSeparator)])[0];

    /// <summary>Scores many responses in as few forward passes as the token budget allows; results in input order.</summary>
    public IReadOnlyList<PrmScore> Score(IReadOnlyList<(string Problem, string Response)> items) =>
        Score(items.Select(x => PrmSample.FromResponse(x.Problem, x.Response, Options.StepSeparator)).ToArray());

    /// <summary>Scores prepared samples; results in input order.</summary>
    public IReadOnlyList<PrmScore> Score(IReadOnlyList<PrmSample> samples)
    {
        var inputs = new PrmEncodedInput[samples.Count];
        for (int i = 0; i < samples.Count; i++) inputs[i] = Encoder.Encode(samples[i]);
        var readouts = Read(inputs);
        var result = new PrmScore[samples.Count];
        for (int i = 0; i < samples.Count; i++) result[i] = Assemble(samples[i], inputs[i], readouts[i]);
        return result;
    }

    /// <summary>
    /// The raw readout of each input. Two-class head: P(class 1) at each of <see cref="PrmEncodedInput.SegmentPositions"/>,
    /// then at the last token. Scalar head: the one reward in (0, 1).
    /// </summary>
    public IReadOnlyList<float[]> Read(IReadOnlyList<PrmEncodedInput> inputs)
    {
        var result = new float[inputs.Count][];
        var lengths = inputs.Select(x => x.InputIds.Length).ToArray();
        foreach (var batch in LengthBatches.Plan(lengths, Options.TokenBudget, Options.MaxBatchSize))
        {
            var rows = batch.Select(i => inputs[i]).ToArray();
            var values = _model is Qwen2ScalarRewardModel rm ? ReadScalar(rm, rows) : ReadTwoClass((Qwen2ForProcessRewardModel)_model, rows);
            for (int j = 0; j < batch.Length; j++) result[batch[j]] = values[j];
        }
        return result;
    }

    private float[][] ReadTwoClass(Qwen2ForProcessRewardModel prm, PrmEncodedInput[] rows)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (ids, mask, width) = Pad(rows);
        var hidden = prm.Model.forward(ids, mask);
        // Apply the score head only where it is read: one gather over the flattened [B·T, H] states.
        var flat = new List<long>();
        var starts = prm.Readout.StepMinLikelihood ? new List<long>() : null;
        foreach (var (row, b) in rows.Select((r, b) => (r, b)))
        {
            foreach (var p in row.ReadPositions) flat.Add((long)b * width + p);
            if (starts is not null)
                foreach (var p in row.ReadStarts ?? throw new InvalidOperationException("the encoder gave no segment starts for a PRM that reads them")) starts.Add((long)b * width + p);
        }
        var probs = prm.ScoreAt(hidden, ids, flat.ToArray(), starts?.ToArray()).to(ScalarType.Float32).softmax(-1).select(-1, 1).ToFloatArray();
        var result = new float[rows.Length][];
        int k = 0;
        for (int b = 0; b < rows.Length; b++)
        {
            int n = rows[b].SegmentPositions.Length + 1;
            result[b] = probs.AsSpan(k, n).ToArray();
            k += n;
        }
        return result;
    }

    private float[][] ReadScalar(Qwen2ScalarRewardModel rm, PrmEncodedInput[] rows)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (ids, mask, _) = Pad(rows);
        var rewards = rm.forward(ids, mask).ToFloatArray();
        return rewards.Select(r => new[] { r }).ToArray();
    }

    /// <summary>Right-padded ids [B, T] and mask (null when every row has the same length) on the PRM's device.</summary>
    private (Tensor Ids, Tensor? Mask, int Width) Pad(PrmEncodedInput[] rows)
    {
        int width = rows.Max(r => r.InputIds.Length);
        var ids = new long[rows.Length * width];
        Array.Fill(ids, Encoder.PadTokenId);
        bool padded = rows.Any(r => r.InputIds.Length != width);
        var mask = padded ? new long[rows.Length * width] : null;
        for (int b = 0; b < rows.Length; b++)
        {
            var row = rows[b].InputIds;
            for (int t = 0; t < row.Length; t++) ids[b * width + t] = row[t];
            if (mask is not null) Array.Fill(mask, 1L, b * width, row.Length);
        }
        long[] shape = [rows.Length, width];
        return (tensor(ids, shape, Device), mask is null ? null : tensor(mask, shape, Device), width);
    }

    /// <summary>Turns a readout into step scores and the trajectory score per <see cref="Options"/>.</summary>
    public PrmScore Assemble(PrmSample sample, PrmEncodedInput input, float[] readout)
    {
        if (Head == PrmHeadKind.Scalar)
            return new PrmScore { StepScores = [readout[0]], FinalScore = readout[0], Score = readout[0], Truncated = input.Truncated };
        double last = readout[^1];
        if (Options.Mode == PrmScoringMode.ReleasedCode)
            return new PrmScore { StepScores = [last], FinalScore = last, Score = last, Truncated = input.Truncated };

        int kept = input.SegmentPositions.Length;
        int steps = Math.Min(input.StepCount, kept);
        var stepScores = new double[steps];
        for (int i = 0; i < steps; i++) stepScores[i] = readout[i];
        double final = Options.FinalReadout == FinalScoreReadout.LastToken || kept == 0 ? last : readout[kept - 1];
        // Truncation that removed every step separator leaves only the last kept token to judge the whole input.
        double score = steps == 0 ? (1 + Options.Alpha) * final : TrajectoryScore.Combine(stepScores, final, Options.Alpha);
        return new PrmScore
        {
            StepScores = stepScores,
            FinalScore = final,
            Score = score,
            Truncated = input.Truncated,
            StepSpans = sample.StepSpans?.Take(steps).ToArray(),
        };
    }

    public void Dispose() => _model.Dispose();
}
