using System.Text.Json.Nodes;

namespace ReasonFlux.PrmData.Pipeline;

/// <summary>The component values of one kept step, for inspection (null where a component is disabled or absent).</summary>
public sealed record StepComponents
{
    /// <summary>max_j cos(Φ(s_t), Φ(a_j)).</summary>
    public double? AlignmentCosine { get; init; }
    /// <summary>Index of the best-matching response step.</summary>
    public int? BestMatch { get; init; }
    /// <summary>Alignment on the [0, 1] scale.</summary>
    public double? Alignment { get; init; }
    /// <summary>Judge score in [0, 1] (the fallback when <see cref="QualityFailed"/>).</summary>
    public double? Quality { get; init; }
    public bool QualityFailed { get; init; }
    /// <summary>InfoNCE log-ratio r_t^coh.</summary>
    public double? CoherenceLog { get; init; }
    /// <summary>exp(r_t^coh) clamped to [0, 1].</summary>
    public double? Coherence { get; init; }
    /// <summary>Softmax weights of (alignment, quality, coherence), null for a component left out.</summary>
    public double?[] Weights { get; init; } = [null, null, null];
}

/// <summary>One line of the PRM training file.</summary>
public sealed record PrmExample
{
    public required string Source { get; init; }
    public required string Problem { get; init; }
    public required string Response { get; init; }
    public string? Answer { get; init; }
    public required string[] Steps { get; init; }
    /// <summary>r_t^step per kept step, in [0, 1].</summary>
    public required double[] StepTargets { get; init; }
    /// <summary>r^final, or null when the trajectory reward is disabled.</summary>
    public double? FinalTarget { get; init; }
    public required StepComponents[] Components { get; init; }
    /// <summary>Original indices of steps removed because the judge failed on them (quality.on_failure = drop).</summary>
    public int[] DroppedSteps { get; init; } = [];
    public string? Template { get; init; }
    public int Rollouts { get; init; }
    public int RolloutsCorrect { get; init; }
    /// <summary>Why the trajectory reward fell back, if it did.</summary>
    public string? TrajectoryRewardFailure { get; init; }

    /// <summary>
    /// The JSONL object: "problem" (and "question", the PRM stage's default key), "steps", "step_targets",
    /// "final_target", "response", "answer", and per-step components under "components".
    /// </summary>
    public JsonObject ToJson()
    {
        JsonArray Column(Func<StepComponents, double?> f) => new(Components.Select(c => (JsonNode?)JsonValue.Create(f(c))).ToArray());
        JsonArray Indices(Func<StepComponents, int?> f) => new(Components.Select(c => (JsonNode?)JsonValue.Create(f(c))).ToArray());
        JsonArray Flags(Func<StepComponents, bool> f) => new(Components.Select(c => (JsonNode?)JsonValue.Create(f(c))).ToArray());
        var components = new JsonObject
        {
            ["alignment"] = Column(c => c.Alignment),
            ["alignment_cosine"] = Column(c => c.AlignmentCosine),
            ["best_match"] = Indices(c => c.BestMatch),
            ["quality"] = Column(c => c.Quality),
            ["quality_failed"] = Flags(c => c.QualityFailed),
            ["coherence"] = Column(c => c.Coherence),
            ["coherence_log"] = Column(c => c.CoherenceLog),
            ["weight_alignment"] = Column(c => c.Weights[0]),
            ["weight_quality"] = Column(c => c.Weights[1]),
            ["weight_coherence"] = Column(c => c.Weights[2]),
        };
        var o = new JsonObject
        {
            ["problem"] = Problem,
            ["question"] = Problem,
            ["steps"] = new JsonArray(Steps.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()),
            ["step_targets"] = new JsonArray(StepTargets.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
            ["final_target"] = FinalTarget,
            ["response"] = Response,
            ["answer"] = Answer,
            ["components"] = components,
            ["dropped_steps"] = new JsonArray(DroppedSteps.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray()),
            ["source"] = Source,
        };
        if (Template is not null || TrajectoryRewardFailure is not null)
            o["trajectory_reward"] = new JsonObject
            {
                ["template"] = Template,
                ["rollouts"] = Rollouts,
                ["correct"] = RolloutsCorrect,
                ["failure"] = TrajectoryRewardFailure,
            };
        return o;
    }
}
