namespace ReasonFlux.Grading.Datasets;

/// <summary>One evaluation question: the prompt text, its gold answer and how to grade it.</summary>
/// <param name="Id">Stable id ("test/precalculus/807.json", "2024-I-1", "gpqa:rec123").</param>
/// <param name="Problem">The question text (for GPQA: with lettered choices).</param>
/// <param name="Answer">The gold answer (for GPQA: the letter of the correct choice).</param>
/// <param name="Task">How responses are graded.</param>
/// <param name="Domain">A subset to report accuracy for (GPQA's "High-level domain": Physics, Chemistry, Biology), or null.</param>
public sealed record BenchmarkItem(string Id, string Problem, string Answer, GradingTask Task, string? Domain = null);
