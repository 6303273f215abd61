namespace ReasonFlux.Training.Eval;

/// <summary>
/// An <see cref="ICompletionScorer"/> from a function, optionally owning what the function uses (a loaded PRM):
/// lets a layer that knows the PRM type plug it in without this library depending on it.
/// </summary>
/// <param name="score">Scores (problem, response) pairs, one score per item in order.</param>
/// <param name="name">What is scoring, for reports ("PRM /models/ReasonFlux-PRM-7B (paper)").</param>
/// <param name="owned">Disposed with this scorer (e.g. the PRM model); may be null.</param>
public sealed class DelegateCompletionScorer(Func<IReadOnlyList<(string Problem, string Response)>, double[]> score, string name, IDisposable? owned = null)
    : ICompletionScorer, IDisposable
{
    /// <inheritdoc />
    public double[] Score(IReadOnlyList<(string Problem, string Response)> items) => score(items);

    /// <summary>The scorer's name, as reports show it.</summary>
    public override string ToString() => name;

    public void Dispose() => owned?.Dispose();
}
