using System.Diagnostics;

namespace ReasonFlux.Grading.Numerics;

/// <summary>
/// Bounds the work of one comparison: a wall-clock deadline plus a step counter, checked by the parser and
/// the evaluators. Exceeding either throws <see cref="GradingTimeoutException"/>, which the grader turns into
/// "not equal" (the reference graders' timeouts count the same way). One instance per comparison, so no
/// shared state between threads.
/// </summary>
internal sealed class ComputeBudget
{
    /// <summary>Largest exact intermediate (numerator + denominator bits) we are willing to build.</summary>
    public const long MaxExactBits = 1 << 18;

    private readonly long _deadline;
    private long _steps;
    private readonly long _maxSteps;

    public ComputeBudget(TimeSpan timeLimit, long maxSteps = 5_000_000)
    {
        _deadline = timeLimit == Timeout.InfiniteTimeSpan
            ? long.MaxValue
            : Stopwatch.GetTimestamp() + (long)(timeLimit.TotalSeconds * Stopwatch.Frequency);
        _maxSteps = maxSteps;
    }

    /// <summary>Counts <paramref name="cost"/> steps and checks the clock every so often.</summary>
    public void Step(long cost = 1)
    {
        _steps += cost;
        if (_steps > _maxSteps) throw new GradingTimeoutException("step budget exhausted");
        if ((_steps & 0x3FF) < cost || cost > 1000)
        {
            if (Stopwatch.GetTimestamp() > _deadline) throw new GradingTimeoutException("time limit exceeded");
        }
    }

    public void CheckClock()
    {
        if (Stopwatch.GetTimestamp() > _deadline) throw new GradingTimeoutException("time limit exceeded");
    }
}

/// <summary>A comparison ran past its time or step budget.</summary>
internal sealed class GradingTimeoutException(string message) : Exception(message);

/// <summary>An answer could not be parsed as mathematics.</summary>
internal sealed class MathParseException(string message) : Exception(message);
