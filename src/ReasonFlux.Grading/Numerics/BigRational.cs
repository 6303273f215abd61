using System.Numerics;

namespace ReasonFlux.Grading.Numerics;

/// <summary>
/// An exact rational number kept in lowest terms with a positive denominator. Exact arithmetic is what
/// keeps <c>1/2^99</c> and <c>1/2^98</c> apart, where any absolute float tolerance would call them equal.
/// </summary>
internal readonly struct BigRational : IEquatable<BigRational>, IComparable<BigRational>
{
    public BigInteger Numerator { get; }
    public BigInteger Denominator { get; }

    public static readonly BigRational Zero = new(BigInteger.Zero, BigInteger.One, normalized: true);
    public static readonly BigRational One = new(BigInteger.One, BigInteger.One, normalized: true);

    private BigRational(BigInteger numerator, BigInteger denominator, bool normalized)
    {
        Numerator = numerator;
        Denominator = denominator;
    }

    public static BigRational Create(BigInteger numerator, BigInteger denominator)
    {
        if (denominator.IsZero) throw new DivideByZeroException();
        if (denominator.Sign < 0) { numerator = -numerator; denominator = -denominator; }
        var g = BigInteger.GreatestCommonDivisor(numerator, denominator);
        if (!g.IsOne && !g.IsZero) { numerator /= g; denominator /= g; }
        if (numerator.IsZero) denominator = BigInteger.One;
        return new BigRational(numerator, denominator, normalized: true);
    }

    public static BigRational FromInteger(BigInteger value) => new(value, BigInteger.One, normalized: true);

    public bool IsZero => Numerator.IsZero;
    public bool IsInteger => Denominator.IsOne;
    public int Sign => Numerator.Sign;

    /// <summary>Bits in numerator plus denominator, used to bound the work of exact arithmetic.</summary>
    public long BitSize => (long)Numerator.GetBitLength() + (long)Denominator.GetBitLength();

    public static BigRational operator +(BigRational a, BigRational b) =>
        a.Denominator == b.Denominator
            ? Create(a.Numerator + b.Numerator, a.Denominator)
            : Create(a.Numerator * b.Denominator + b.Numerator * a.Denominator, a.Denominator * b.Denominator);

    public static BigRational operator -(BigRational a, BigRational b) => a + (-b);
    public static BigRational operator -(BigRational a) => new(-a.Numerator, a.Denominator, normalized: true);
    public static BigRational operator *(BigRational a, BigRational b) => Create(a.Numerator * b.Numerator, a.Denominator * b.Denominator);

    public static BigRational operator /(BigRational a, BigRational b)
    {
        if (b.IsZero) throw new DivideByZeroException();
        return Create(a.Numerator * b.Denominator, a.Denominator * b.Numerator);
    }

    /// <summary>The value as an int when it is an integer in range.</summary>
    public bool TryGetInt32(out int value)
    {
        value = 0;
        if (!Denominator.IsOne || Numerator < int.MinValue || Numerator > int.MaxValue) return false;
        value = (int)Numerator;
        return true;
    }

    public BigRational Abs() => Numerator.Sign < 0 ? -this : this;

    public static BigRational Pow(BigRational value, int exponent)
    {
        if (exponent == 0) return One;
        if (exponent < 0)
        {
            if (value.IsZero) throw new DivideByZeroException();
            value = Create(value.Denominator, value.Numerator);
            exponent = -exponent;
        }
        return new BigRational(BigInteger.Pow(value.Numerator, exponent), BigInteger.Pow(value.Denominator, exponent), normalized: true);
    }

    /// <summary>10^exponent for any sign of exponent.</summary>
    public static BigRational PowerOfTen(int exponent) =>
        exponent >= 0 ? FromInteger(BigInteger.Pow(10, exponent)) : Create(BigInteger.One, BigInteger.Pow(10, -exponent));

    /// <summary>The nearest double; huge or tiny values saturate to infinity or zero.</summary>
    public double ToDouble()
    {
        if (Denominator.IsOne) return (double)Numerator;
        long nb = (long)Numerator.GetBitLength(), db = (long)Denominator.GetBitLength();
        if (nb < 1000 && db < 1000) return (double)Numerator / (double)Denominator;
        // Shift both to ~64 significant bits so the division does not overflow to inf/inf.
        long shift = Math.Max(nb, db) - 64;
        var n = shift > 0 ? Numerator >> (int)Math.Min(shift, int.MaxValue) : Numerator;
        var d = shift > 0 ? Denominator >> (int)Math.Min(shift, int.MaxValue) : Denominator;
        if (d.IsZero) return Numerator.Sign * double.PositiveInfinity;
        return (double)n / (double)d;
    }

    /// <summary>Rounds half away from zero to <paramref name="decimals"/> places (negative means tens, hundreds, ...).</summary>
    public BigRational RoundToDecimals(int decimals)
    {
        var scale = PowerOfTen(decimals);
        var scaled = this * scale;
        var twice = scaled.Abs() * FromInteger(2);
        // floor(|x| + 1/2) computed exactly as floor((2|x| + 1) / 2).
        var q = BigInteger.Divide(twice.Numerator + twice.Denominator, twice.Denominator * 2);
        if (scaled.Sign < 0) q = -q;
        return FromInteger(q) / scale;
    }

    public bool Equals(BigRational other) => Numerator == other.Numerator && Denominator == other.Denominator;
    public override bool Equals(object? obj) => obj is BigRational r && Equals(r);
    public override int GetHashCode() => HashCode.Combine(Numerator, Denominator);
    public int CompareTo(BigRational other) => (Numerator * other.Denominator).CompareTo(other.Numerator * Denominator);
    public static bool operator ==(BigRational a, BigRational b) => a.Equals(b);
    public static bool operator !=(BigRational a, BigRational b) => !a.Equals(b);
    public static bool operator <(BigRational a, BigRational b) => a.CompareTo(b) < 0;
    public static bool operator >(BigRational a, BigRational b) => a.CompareTo(b) > 0;
    public static bool operator <=(BigRational a, BigRational b) => a.CompareTo(b) <= 0;
    public static bool operator >=(BigRational a, BigRational b) => a.CompareTo(b) >= 0;

    public override string ToString() => Denominator.IsOne ? Numerator.ToString() : $"{Numerator}/{Denominator}";
}
