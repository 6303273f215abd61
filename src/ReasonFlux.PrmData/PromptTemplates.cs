using System.Text;

namespace ReasonFlux.PrmData;

/// <summary>
/// Fills "{name}" placeholders in prompt templates. Only the names given are replaced, in one pass, so LaTeX
/// braces in the template ("\boxed{}") and placeholder-like text inside substituted values stay as they are.
/// </summary>
public static class PromptTemplates
{
    /// <summary>Replaces every "{name}" whose name is a key of <paramref name="values"/>.</summary>
    public static string Render(string template, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(template);
        var sb = new StringBuilder(template.Length + 256);
        int i = 0;
        while (i < template.Length)
        {
            char c = template[i];
            if (c == '{')
            {
                int close = template.IndexOf('}', i + 1);
                if (close > i + 1 && values.TryGetValue(template[(i + 1)..close], out var value))
                {
                    sb.Append(value);
                    i = close + 1;
                    continue;
                }
            }
            sb.Append(c);
            i++;
        }
        return sb.ToString();
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="option"/> when a required placeholder is missing.</summary>
    public static void Require(string template, string option, params string[] names)
    {
        if (string.IsNullOrWhiteSpace(template)) throw new ArgumentException($"{option} must not be empty");
        foreach (var name in names)
            if (!template.Contains("{" + name + "}", StringComparison.Ordinal))
                throw new ArgumentException($"{option} must contain the placeholder {{{name}}}");
    }
}
