namespace ReasonFlux.Runs;

/// <summary>What <c>--resume</c> asked for.</summary>
public abstract record ResumeRequest
{
    private ResumeRequest() { }

    /// <summary>No --resume: start a new run; an existing run folder is an error.</summary>
    public sealed record Fresh : ResumeRequest;

    /// <summary>--resume auto: continue the run folder from its newest valid checkpoint (fresh if there is none).</summary>
    public sealed record Auto : ResumeRequest;

    /// <summary>--resume PATH: continue from this checkpoint folder (step-N/ of one of the recipe's stages).</summary>
    public sealed record FromPath(string CheckpointPath) : ResumeRequest;

    /// <summary>Parses the --resume value: null → Fresh, "auto" → Auto, anything else → a checkpoint path.</summary>
    public static ResumeRequest Parse(string? value) => value switch
    {
        null => new Fresh(),
        "auto" => new Auto(),
        "" => throw new ArgumentException("--resume needs a value: auto or a checkpoint folder"),
        _ => new FromPath(value),
    };
}
