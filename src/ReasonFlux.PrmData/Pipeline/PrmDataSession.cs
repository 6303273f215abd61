using ReasonFlux.Models;
using ReasonFlux.Models.Builtin;
using ReasonFlux.PrmData.Embeddings;
using ReasonFlux.PrmData.Judging;
using ReasonFlux.PrmData.TrajectoryReward;
using ReasonFlux.Torch;

namespace ReasonFlux.PrmData.Pipeline;

/// <summary>Which models a build uses: folders of Qwen2 causal LMs and/or an OpenAI-compatible judge.</summary>
public sealed record PrmDataModels
{
    /// <summary>Φ: the encoder folder (needed when alignment or coherence is enabled). Every folder may also be "builtin:tiny".</summary>
    public string? Encoder { get; init; }
    /// <summary>A remote judge; exclusive with <see cref="JudgeDirectory"/>.</summary>
    public OpenAiJudgeOptions? RemoteJudge { get; init; }
    /// <summary>A local judge checkpoint; exclusive with <see cref="RemoteJudge"/>.</summary>
    public string? JudgeDirectory { get; init; }
    /// <summary>The policy that runs the template-guided rollouts.</summary>
    public string? Policy { get; init; }
    public Device Device { get; init; } = Device.CPU;
    public ScalarType? DType { get; init; }
}

/// <summary>
/// Loads the models a build needs (each folder once, even when the encoder, judge and policy are the same
/// checkpoint), switches off the components that have no model (saying so through the log callback), and
/// owns everything it loaded.
/// </summary>
public sealed class PrmDataSession : IDisposable
{
    private readonly Dictionary<string, LanguageModel> _loaded = [];
    private OpenAiChatJudge? _remote;

    private PrmDataSession(PrmDataOptions options) => Options = options;

    /// <summary>The options after disabling components without a model.</summary>
    public PrmDataOptions Options { get; private set; }

    public PrmDataBuilder Builder { get; private set; } = null!;

    public IJudge? Judge { get; private set; }

    public static PrmDataSession Open(PrmDataOptions options, PrmDataModels models, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(models);
        if (models.RemoteJudge is not null && models.JudgeDirectory is not null)
            throw new ArgumentException("give one judge: an OpenAI-compatible URL or a local checkpoint folder, not both");
        bool hasJudge = models.RemoteJudge is not null || models.JudgeDirectory is not null;
        if (models.Policy is not null && !hasJudge)
            throw new ArgumentException("the template-guided trajectory reward needs a judge to extract templates: give one with the policy");

        if (!hasJudge && options.Quality.Enabled)
        {
            log?.Invoke("no judge given: step quality is disabled (targets combine alignment and coherence only)");
            options = options with { Quality = options.Quality with { Enabled = false } };
        }
        if (models.Policy is null && options.TrajectoryReward.Enabled)
        {
            log?.Invoke("no policy given: the trajectory reward is disabled (final_target will be null)");
            options = options with { TrajectoryReward = options.TrajectoryReward with { Enabled = false } };
        }
        options.Validate();

        var session = new PrmDataSession(options);
        try
        {
            ITextEncoder? encoder = null;
            if (options.Alignment.Enabled || options.Coherence.Enabled)
            {
                if (models.Encoder is null) throw new ArgumentException("alignment and coherence need an encoder folder");
                encoder = MeanPooledEncoder.Create(session.Load(models.Encoder, models), options.Encoder);
            }
            if (models.RemoteJudge is not null) session.Judge = session._remote = new OpenAiChatJudge(models.RemoteJudge);
            else if (models.JudgeDirectory is not null) session.Judge = new LocalModelJudge(session.Load(models.JudgeDirectory, models));
            TemplateGuidedReward? reward = options.TrajectoryReward.Enabled
                ? new TemplateGuidedReward(session.Judge!, session.Load(models.Policy!, models), options.TrajectoryReward)
                : null;
            session.Builder = new PrmDataBuilder(options, encoder, options.Quality.Enabled ? session.Judge : null, reward);
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Loads a folder once; "builtin:NAME" is written to a temporary folder first (removed on dispose).</summary>
    private LanguageModel Load(string directory, PrmDataModels models)
    {
        var key = BuiltinModels.IsBuiltin(directory) ? directory : Path.GetFullPath(directory);
        if (_loaded.TryGetValue(key, out var model)) return model;
        if (BuiltinModels.IsBuiltin(directory))
        {
            var temp = System.IO.Directory.CreateTempSubdirectory("reasonflux-prmdata-").FullName;
            _temporary.Add(temp);
            directory = BuiltinModels.Materialize(directory, temp);
        }
        return _loaded[key] = LanguageModel.Load(directory, models.DType, models.Device);
    }

    private readonly List<string> _temporary = [];

    public void Dispose()
    {
        foreach (var m in _loaded.Values) m.Dispose();
        _loaded.Clear();
        _remote?.Dispose();
        foreach (var dir in _temporary)
        {
            try { System.IO.Directory.Delete(dir, recursive: true); }
            catch (IOException) { }
        }
        _temporary.Clear();
    }
}
