namespace ReasonFlux.Recipes.Schema;

/// <summary>
/// Cross-field checks an options record runs after its keys were bound (e.g. "process_weight > 0 needs
/// reward.prm.path"). Range and type checks come from attributes; this is only for rules that span keys.
/// </summary>
public interface IValidatedOptions
{
    void Validate(OptionsValidation validation);
}

/// <summary>Collects cross-field errors, located at the key they name (relative to the record being validated).</summary>
public sealed class OptionsValidation
{
    private readonly Action<string, string> _report;

    internal OptionsValidation(Action<string, string> report) => _report = report;

    /// <summary>Reports an error at <paramref name="relativeKey"/> (dotted, relative to the record; "" for the record itself).</summary>
    public void Error(string relativeKey, string message) => _report(relativeKey, message);

    /// <summary>Reports <paramref name="message"/> unless <paramref name="ok"/>.</summary>
    public void Require(bool ok, string relativeKey, string message)
    {
        if (!ok) Error(relativeKey, message);
    }
}
