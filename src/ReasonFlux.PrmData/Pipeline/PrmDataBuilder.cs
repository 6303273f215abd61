using ReasonFlux.IO;
using ReasonFlux.PrmData.Components;
using ReasonFlux.PrmData.Embeddings;
using ReasonFlux.PrmData.Judging;
using ReasonFlux.PrmData.Steps;
using ReasonFlux.PrmData.TrajectoryReward;

namespace ReasonFlux.PrmData.Pipeline;

/// <summary>Examples built in memory and what the build did.</summary>
public sealed record PrmBuildResult(IReadOnlyList<PrmExample> Examples, PrmDataSummary Summary);

/// <summary>
/// Builds ReasonFlux-PRM training data (reasonflux-prm.md §3, §9 item 4) from a pool of (problem, trajectory,
/// response, answer) records: per step alignment, judge quality and contrastive coherence combined by the
/// softmax weighting into r_t^step, and the template-guided r^final. Records are processed in chunks: one
/// batched embedding pass, concurrent judge calls, batched rollouts. Every input line is validated before any
/// model or judge work starts, so a bad line fails at once with file:line.
/// </summary>
public sealed class PrmDataBuilder
{
    private readonly PrmDataOptions _options;
    private readonly ITextEncoder? _encoder;
    private readonly IJudge? _judge;
    private readonly StepQualityScorer? _quality;
    private readonly StepCoherence? _coherence;
    private readonly TemplateGuidedReward? _trajectoryReward;

    /// <param name="options">Configuration; components switched off there need no model.</param>
    /// <param name="encoder">Φ for alignment and coherence (required when either is enabled).</param>
    /// <param name="judge">The step-quality judge (required when quality is enabled).</param>
    /// <param name="trajectoryReward">Template extraction plus policy rollouts (required when trajectory_reward is enabled).</param>
    public PrmDataBuilder(PrmDataOptions options, ITextEncoder? encoder, IJudge? judge = null, TemplateGuidedReward? trajectoryReward = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
        if ((options.Alignment.Enabled || options.Coherence.Enabled) && encoder is null)
            throw new ArgumentException("alignment and coherence need an embedding encoder (or disable both)");
        if (options.Quality.Enabled && judge is null)
            throw new ArgumentException("step quality needs a judge (an OpenAI-compatible URL or a local checkpoint), or set quality.enabled = false");
        if (options.TrajectoryReward.Enabled && trajectoryReward is null)
            throw new ArgumentException("the trajectory reward needs a judge and a policy model, or set trajectory_reward.enabled = false");
        _encoder = encoder;
        _judge = judge;
        _quality = options.Quality.Enabled ? new StepQualityScorer(judge!, options.Quality, options.StepSeparator) : null;
        _coherence = options.Coherence.Enabled ? new StepCoherence(options.Coherence) : null;
        _trajectoryReward = options.TrajectoryReward.Enabled ? trajectoryReward : null;
    }

    /// <summary>Reads the pool, builds every example and writes the training JSONL (committed only when complete).</summary>
    public async Task<PrmDataSummary> BuildAsync(string inputPath, string outputPath, Action<PrmDataProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        bool requireAnswer = _options.TrajectoryReward.Enabled;
        // Validation pass: a bad line fails before hours of judge calls, not after.
        int total = 0;
        foreach (var record in JsonlReader.Read(inputPath))
        {
            PrmSource.FromJsonl(record, _options, requireAnswer);
            total++;
        }
        if (total == 0) throw new InvalidDataException($"{inputPath}: no records");

        var run = new RunState();
        using var writer = new JsonlWriter(outputPath);
        var chunk = new List<PrmSource>(_options.ChunkSize);
        async Task Flush()
        {
            foreach (var example in await ProcessChunkAsync(chunk, run, cancellationToken).ConfigureAwait(false))
                writer.Write(example.ToJson());
            progress?.Invoke(run.Progress());
            chunk.Clear();
        }
        foreach (var record in JsonlReader.Read(inputPath))
        {
            chunk.Add(PrmSource.FromJsonl(record, _options, requireAnswer));
            if (chunk.Count == _options.ChunkSize) await Flush().ConfigureAwait(false);
        }
        if (chunk.Count > 0) await Flush().ConfigureAwait(false);
        writer.Commit();
        return run.Summary(_judge);
    }

    /// <summary>Builds examples from records already in memory.</summary>
    public async Task<PrmBuildResult> BuildAsync(IReadOnlyList<PrmSource> sources, Action<PrmDataProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var run = new RunState();
        var examples = new List<PrmExample>();
        for (int start = 0; start < sources.Count; start += _options.ChunkSize)
        {
            var chunk = sources.Skip(start).Take(_options.ChunkSize).ToList();
            examples.AddRange(await ProcessChunkAsync(chunk, run, cancellationToken).ConfigureAwait(false));
            progress?.Invoke(run.Progress());
        }
        return new PrmBuildResult(examples, run.Summary(_judge));
    }

    private sealed record Embedded(int Record, PrmSource Source, float[]? Problem, float[][] Steps, float[][] ResponseSteps);

    private async Task<List<PrmExample>> ProcessChunkAsync(IReadOnlyList<PrmSource> chunk, RunState run, CancellationToken cancellationToken)
    {
        int first = run.RecordsRead;
        run.RecordsRead += chunk.Count;
        var embedded = Embed(chunk, first);

        // Coherence negatives: the other trajectories of this chunk and of the previous one (so a last chunk of one
        // record still has some), never the anchor's own.
        double?[][]? coherence = null;
        if (_coherence is not null)
        {
            var pool = new NegativePool();
            foreach (var e in run.PreviousChunk.Concat(embedded)) pool.Add(e.Record, e.Source.Problem, e.Steps);
            coherence = embedded.Select(e =>
            {
                try
                {
                    return _coherence.Compute(e.Problem, e.Steps, pool, e.Record, e.Source.Problem, e.Record);
                }
                catch (InvalidOperationException x)
                {
                    throw new InvalidDataException($"{e.Source.Location}: {x.Message}", x);
                }
            }).ToArray();
        }
        run.PreviousChunk = embedded;

        var alignment = _options.Alignment.Enabled
            ? embedded.Select(e => StepAlignment.Compute(e.Steps, e.ResponseSteps)).ToArray()
            : null;

        StepQualityResult[][]? quality = null;
        if (_quality is not null)
        {
            var requests = chunk.SelectMany(s => Enumerable.Range(0, s.Steps.Length).Select(t => new StepQualityRequest(s.Problem, s.Steps, t, s.Response))).ToList();
            var flat = await _quality.ScoreAsync(requests, cancellationToken).ConfigureAwait(false);
            quality = new StepQualityResult[chunk.Count][];
            int k = 0;
            for (int r = 0; r < chunk.Count; r++)
            {
                quality[r] = flat.AsSpan(k, chunk[r].Steps.Length).ToArray();
                k += chunk[r].Steps.Length;
            }
        }

        TrajectoryRewardResult[]? rewards = null;
        if (_trajectoryReward is not null)
        {
            var requests = chunk.Select(s => new TrajectoryRewardRequest(s.Problem, string.Join(_options.StepSeparator, s.Steps), s.Response, s.Answer!)).ToList();
            rewards = await _trajectoryReward.ComputeAsync(requests, first, cancellationToken).ConfigureAwait(false);
        }

        var examples = new List<PrmExample>(chunk.Count);
        for (int r = 0; r < chunk.Count; r++)
        {
            var example = Assemble(chunk[r], alignment?[r], quality?[r], coherence?[r], rewards?[r], run);
            if (example is null) continue;
            examples.Add(example);
            run.RecordsWritten++;
            run.StepsWritten += example.Steps.Length;
            run.StepTargetSum += example.StepTargets.Sum();
            if (example.FinalTarget is { } f)
            {
                run.FinalTargetSum += f;
                run.FinalTargets++;
            }
        }
        return examples;
    }

    private List<Embedded> Embed(IReadOnlyList<PrmSource> chunk, int first)
    {
        bool needProblem = _coherence is not null && _options.Coherence.FirstStep == FirstStepContext.Problem;
        bool needResponse = _options.Alignment.Enabled;
        var responseSteps = chunk.Select(s => needResponse ? StepSplitter.Split(s.Response, _options.StepSeparator) : []).ToList();
        if (_encoder is null)
            return chunk.Select((s, r) => new Embedded(first + r, s, null, [], [])).ToList();

        var texts = new List<string>();
        foreach (var (s, r) in chunk.Select((s, r) => (s, r)))
        {
            if (needProblem) texts.Add(s.Problem);
            texts.AddRange(s.Steps);
            texts.AddRange(responseSteps[r]);
        }
        var vectors = _encoder.Encode(texts);
        if (vectors.Length != texts.Count) throw new InvalidOperationException($"encoder returned {vectors.Length} vectors for {texts.Count} texts");
        var result = new List<Embedded>(chunk.Count);
        int k = 0;
        for (int r = 0; r < chunk.Count; r++)
        {
            float[]? problem = needProblem ? vectors[k++] : null;
            var steps = vectors.AsSpan(k, chunk[r].Steps.Length).ToArray();
            k += steps.Length;
            var response = vectors.AsSpan(k, responseSteps[r].Length).ToArray();
            k += response.Length;
            result.Add(new Embedded(first + r, chunk[r], problem, steps, response));
        }
        return result;
    }

    private PrmExample? Assemble(PrmSource source, AlignmentResult? alignment, StepQualityResult[]? quality, double?[]? coherence,
        TrajectoryRewardResult? reward, RunState run)
    {
        // Count judge failures before any early return, so a record dropped for its trajectory reward still reports them.
        run.QualityFailures += quality?.Count(q => q.Score is null) ?? 0;
        double? finalTarget = null;
        string? rewardFailure = null;
        if (reward is not null)
        {
            if (reward.Reward is { } value) finalTarget = value;
            else
            {
                run.TrajectoryRewardFailures++;
                rewardFailure = reward.Failure;
                switch (_options.TrajectoryReward.OnFailure)
                {
                    case JudgeFailurePolicy.Fallback:
                        finalTarget = _options.TrajectoryReward.FallbackReward;
                        break;
                    case JudgeFailurePolicy.Drop:
                        run.DroppedRecords.Add($"{source.Location}: trajectory reward failed: {reward.Failure}");
                        return null;
                    default:
                        throw new InvalidOperationException($"{source.Location}: trajectory reward failed: {reward.Failure} (set trajectory_reward.on_failure to fallback or drop to continue)");
                }
            }
        }

        var steps = new List<string>();
        var targets = new List<double>();
        var components = new List<StepComponents>();
        var dropped = new List<int>();
        bool raw = _options.Combination.Input == CombinationInput.Raw;
        for (int t = 0; t < source.Steps.Length; t++)
        {
            double? q = null;
            bool qualityFailed = false;
            if (quality is not null)
            {
                var result = quality[t];
                q = result.Score;
                if (q is null)
                {
                    switch (_options.Quality.OnFailure)
                    {
                        case JudgeFailurePolicy.Fallback:
                            q = _options.Quality.FallbackScore;
                            qualityFailed = true;
                            break;
                        case JudgeFailurePolicy.Drop:
                            dropped.Add(t);
                            run.DroppedSteps++;
                            continue;
                        default:
                            throw new InvalidOperationException($"{source.Location}: step {t + 1}: {result.Failure} (set quality.on_failure to fallback or drop to continue)");
                    }
                }
            }

            double? cos = alignment?.Cosine[t];
            double? align = cos is { } c ? StepAlignment.Scale(c, _options.Alignment.Scale) : null;
            double? cohLog = coherence?[t];
            double? coh = cohLog is { } l ? StepCoherence.Scale(l) : null;

            // Order (alignment, quality, coherence); a missing component is left out of the softmax and the sum.
            var present = new List<(int Slot, double Value)>(3);
            if (align is not null) present.Add((0, raw ? cos!.Value : align.Value));
            if (q is not null) present.Add((1, q.Value));
            if (coh is not null) present.Add((2, raw ? cohLog!.Value : coh.Value));
            if (present.Count == 0)
                throw new InvalidOperationException($"{source.Location}: step {t + 1} has no component to combine (only coherence is enabled and coherence.first_step = skip)");
            var target = StepRewardCombiner.Combine(present.Select(p => p.Value).ToList(), out var w);
            if (target is < 0 or > 1)
            {
                run.ClampedTargets++;
                target = Math.Clamp(target, 0.0, 1.0);
            }
            var weights = new double?[3];
            for (int k = 0; k < present.Count; k++) weights[present[k].Slot] = w[k];

            steps.Add(source.Steps[t]);
            targets.Add(target);
            components.Add(new StepComponents
            {
                AlignmentCosine = cos,
                BestMatch = alignment?.BestMatch[t],
                Alignment = align,
                Quality = q,
                QualityFailed = qualityFailed,
                CoherenceLog = cohLog,
                Coherence = coh,
                Weights = weights,
            });
        }
        if (steps.Count == 0)
        {
            run.DroppedRecords.Add($"{source.Location}: every step was dropped (judge failures)");
            return null;
        }
        return new PrmExample
        {
            Source = source.Location,
            Problem = source.Problem,
            Response = source.Response,
            Answer = source.Answer,
            Steps = steps.ToArray(),
            StepTargets = targets.ToArray(),
            FinalTarget = finalTarget,
            Components = components.ToArray(),
            DroppedSteps = dropped.ToArray(),
            Template = reward?.Template,
            Rollouts = reward?.Rollouts ?? 0,
            RolloutsCorrect = reward?.Correct ?? 0,
            TrajectoryRewardFailure = rewardFailure,
        };
    }

    private sealed class RunState
    {
        public int RecordsRead, RecordsWritten, StepsWritten, QualityFailures, DroppedSteps, TrajectoryRewardFailures, ClampedTargets, FinalTargets;
        public double StepTargetSum, FinalTargetSum;
        public List<string> DroppedRecords { get; } = [];
        public List<Embedded> PreviousChunk { get; set; } = [];

        public PrmDataProgress Progress() => new(RecordsRead, RecordsWritten, StepsWritten, QualityFailures, TrajectoryRewardFailures);

        public PrmDataSummary Summary(IJudge? judge) => new()
        {
            RecordsRead = RecordsRead,
            RecordsWritten = RecordsWritten,
            StepsWritten = StepsWritten,
            QualityFailures = QualityFailures,
            DroppedSteps = DroppedSteps,
            TrajectoryRewardFailures = TrajectoryRewardFailures,
            DroppedRecords = DroppedRecords.ToArray(),
            ClampedTargets = ClampedTargets,
            MeanStepTarget = StepsWritten == 0 ? 0 : StepTargetSum / StepsWritten,
            MeanFinalTarget = FinalTargets == 0 ? null : FinalTargetSum / FinalTargets,
            Judge = judge?.Statistics.ToString(),
        };
    }
}
