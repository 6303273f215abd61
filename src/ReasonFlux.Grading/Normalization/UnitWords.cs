namespace ReasonFlux.Grading.Normalization;

/// <summary>
/// Unit and counting words dropped after a number ("125 miles", "15 square units"). The list follows the
/// shared list of Minerva, Qwen and Math-Verify. Single-letter units are only dropped right after a digit,
/// so a variable named m or s survives.
/// </summary>
internal static class UnitWords
{
    public static readonly HashSet<string> Words = new(StringComparer.OrdinalIgnoreCase)
    {
        "unit", "units", "sq", "square", "cubic", "cu",
        "mm", "millimeter", "millimeters", "millimetre", "millimetres",
        "cm", "centimeter", "centimeters", "centimetre", "centimetres",
        "meter", "meters", "metre", "metres", "km", "kilometer", "kilometers", "kilometre", "kilometres",
        "inch", "inches", "ft", "foot", "feet", "yard", "yards", "yd", "yds", "mile", "miles", "mi",
        "mph", "kph", "kmh", "mps", "fps",
        "second", "seconds", "sec", "secs", "minute", "minutes", "min", "mins", "hour", "hours", "hr", "hrs",
        "day", "days", "week", "weeks", "month", "months", "year", "years", "yr", "yrs",
        "dollar", "dollars", "cent", "cents", "euro", "euros", "pound", "pounds", "lb", "lbs", "ounce", "ounces", "oz",
        "gram", "grams", "kg", "kilogram", "kilograms", "mg", "ton", "tons", "tonne", "tonnes",
        "liter", "liters", "litre", "litres", "ml", "milliliter", "milliliters", "gallon", "gallons", "quart", "quarts",
        "pint", "pints", "cup", "cups",
        "degree", "degrees", "deg", "radian", "radians", "rad",
        "people", "person", "persons", "student", "students", "child", "children", "ways", "way", "point", "points",
        "edge", "edges", "side", "sides", "integer", "integers", "digit", "digits", "handshake", "handshakes",
        "game", "games", "tickets", "ticket", "meal", "meals", "page", "pages", "book", "books", "marble", "marbles",
        "coin", "coins", "card", "cards", "box", "boxes", "mph", "times", "term", "terms", "number", "numbers",
        "triangle", "triangles", "square", "squares", "cube", "cubes", "step", "steps", "arrangements", "combinations",
        "committees", "sequences", "solutions", "solution", "values", "value", "roots", "root",
        "inches^2", "feet^2", "cm^2", "m^2", "km^2", "cm^3", "m^3",
    };

    /// <summary>Single letters that are units only when they follow a number directly ("5 m", "3s").</summary>
    public static readonly HashSet<string> SingleLetterUnits = new(StringComparer.Ordinal) { "m", "s", "h", "g", "L", "l" };

    public static readonly HashSet<string> PercentWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "percent", "percentage", "pct", "per cent", "%",
    };
}
