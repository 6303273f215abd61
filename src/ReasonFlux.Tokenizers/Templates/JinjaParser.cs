using System.Globalization;

namespace ReasonFlux.Tokenizers.Templates;

/// <summary>
/// Recursive-descent parser for the Jinja subset chat templates use, with Jinja2's operator precedence
/// (conditional &lt; or &lt; and &lt; not &lt; comparison/in &lt; +,- &lt; ~ &lt; *,/,//,% &lt; ** &lt; unary &lt;
/// postfix, filters and tests). Anything else fails with the construct and its line/column.
/// </summary>
internal sealed class JinjaParser
{
    private readonly List<Token> _tokens;
    private int _i;
    private int _nesting;

    private JinjaParser(List<Token> tokens) => _tokens = tokens;

    public static List<Node> Parse(string source)
    {
        var parser = new JinjaParser(JinjaLexer.Tokenize(source));
        var (body, end) = parser.ParseBody([]);
        if (end is not null) throw Error($"unexpected '{{% {end} %}}' with no open block", parser.Previous);
        return body;
    }

    /// <summary>
    /// Counts one level of recursion; every recursive path of this parser passes through a caller of it, so
    /// 10^5 nested parentheses or {% if %} blocks end in an error instead of a StackOverflow, which no catch stops.
    /// </summary>
    private NestingScope Nest()
    {
        if (++_nesting > JinjaLimits.MaxParseNesting)
            throw Error($"template nesting exceeds {JinjaLimits.MaxParseNesting} levels", Current);
        return new NestingScope(this);
    }

    private readonly struct NestingScope(JinjaParser parser) : IDisposable
    {
        public void Dispose() => parser._nesting--;
    }

    private Token Current => _tokens[_i];
    private Token Previous => _tokens[Math.Max(0, _i - 1)];

    private static JinjaException Error(string message, Token at) => new(message, at.Line, at.Column);

    private Token Advance() => _tokens[_i++];

    private bool IsOp(string op) => Current.Kind == TokenKind.Operator && Current.Value == op;
    private bool IsName(string name) => Current.Kind == TokenKind.Name && Current.Value == name;

    private bool SkipOp(string op)
    {
        if (!IsOp(op)) return false;
        _i++;
        return true;
    }

    private bool SkipName(string name)
    {
        if (!IsName(name)) return false;
        _i++;
        return true;
    }

    private Token ExpectOp(string op)
    {
        if (!IsOp(op)) throw Error($"expected '{op}', found {Current}", Current);
        return Advance();
    }

    private Token Expect(TokenKind kind, string what)
    {
        if (Current.Kind != kind) throw Error($"expected {what}, found {Current}", Current);
        return Advance();
    }

    private string ExpectName()
    {
        if (Current.Kind != TokenKind.Name) throw Error($"expected a name, found {Current}", Current);
        return Advance().Value;
    }

    // ------------------------------------------------------------------ statements

    /// <summary>Parses nodes until one of <paramref name="endTags"/> opens a block tag; returns that tag (consumed up to its name).</summary>
    private (List<Node> Body, string? End) ParseBody(string[] endTags)
    {
        using var nesting = Nest();
        var nodes = new List<Node>();
        while (true)
        {
            var t = Current;
            switch (t.Kind)
            {
                case TokenKind.End:
                    if (endTags.Length > 0) throw Error($"unexpected end of template; expected '{{% {endTags[^1]} %}}'", t);
                    return (nodes, null);
                case TokenKind.Text:
                    nodes.Add(new TextNode(Advance().Value, t.Line, t.Column));
                    break;
                case TokenKind.VariableBegin:
                    Advance();
                    var expr = ParseExpression();
                    Expect(TokenKind.VariableEnd, "'}}'");
                    nodes.Add(new OutputNode(expr, t.Line, t.Column));
                    break;
                case TokenKind.BlockBegin:
                {
                    Advance();
                    var nameToken = Current;
                    string tag = ExpectName();
                    if (endTags.Contains(tag)) return (nodes, tag);
                    var stmt = ParseStatement(tag, nameToken);
                    if (stmt is not null) nodes.Add(stmt);
                    break;
                }
                default:
                    throw Error($"unexpected {t}", t);
            }
        }
    }

    private Node? ParseStatement(string tag, Token at)
    {
        switch (tag)
        {
            case "if": return ParseIf(at);
            case "for": return ParseFor(at);
            case "set": return ParseSet(at);
            case "break":
                Expect(TokenKind.BlockEnd, "'%}'");
                return new BreakNode(at.Line, at.Column);
            case "continue":
                Expect(TokenKind.BlockEnd, "'%}'");
                return new ContinueNode(at.Line, at.Column);
            case "generation":
            case "endgeneration":
                // transformers' assistant-mask marker; it renders nothing.
                Expect(TokenKind.BlockEnd, "'%}'");
                return null;
            case "elif": case "else": case "endif": case "endfor": case "endset":
                throw Error($"unexpected '{{% {tag} %}}' with no matching open block", at);
            default:
                throw Error($"unsupported tag '{{% {tag} %}}' (supported: if/elif/else, for, set, break, continue, raw)", at);
        }
    }

    private Node ParseIf(Token at)
    {
        var branches = new List<(Expr, List<Node>)>();
        List<Node>? elseBody = null;
        var test = ParseExpression();
        Expect(TokenKind.BlockEnd, "'%}'");
        while (true)
        {
            var (body, end) = ParseBody(["elif", "else", "endif"]);
            branches.Add((test, body));
            if (end == "elif")
            {
                test = ParseExpression();
                Expect(TokenKind.BlockEnd, "'%}'");
                continue;
            }
            if (end == "else")
            {
                Expect(TokenKind.BlockEnd, "'%}'");
                (elseBody, _) = ParseBody(["endif"]);
            }
            Expect(TokenKind.BlockEnd, "'%}'");
            return new IfNode(branches, elseBody, at.Line, at.Column);
        }
    }

    private Node ParseFor(Token at)
    {
        var targets = new List<string> { ExpectName() };
        while (SkipOp(",")) targets.Add(ExpectName());
        if (!SkipName("in")) throw Error($"expected 'in' in for loop, found {Current}", Current);
        var iterable = ParseCondExpression(allowConditional: false);
        Expr? filter = null;
        if (SkipName("if")) filter = ParseCondExpression(allowConditional: false);
        if (IsName("recursive")) throw Error("unsupported 'recursive' for loop", Current);
        Expect(TokenKind.BlockEnd, "'%}'");
        var (body, end) = ParseBody(["else", "endfor"]);
        List<Node>? elseBody = null;
        if (end == "else")
        {
            Expect(TokenKind.BlockEnd, "'%}'");
            (elseBody, _) = ParseBody(["endfor"]);
        }
        Expect(TokenKind.BlockEnd, "'%}'");
        return new ForNode(targets, iterable, filter, body, elseBody, at.Line, at.Column);
    }

    private Node ParseSet(Token at)
    {
        var targets = new List<Expr> { ParseAssignTarget() };
        while (SkipOp(",")) targets.Add(ParseAssignTarget());
        if (SkipOp("="))
        {
            var value = ParseTupleOrExpression();
            Expect(TokenKind.BlockEnd, "'%}'");
            return new SetNode(targets, value, null, at.Line, at.Column);
        }
        if (targets.Count != 1 || targets[0] is not NameExpr) throw Error($"expected '=' in set, found {Current}", Current);
        if (IsOp("|")) throw Error("unsupported filtered block set", Current);
        Expect(TokenKind.BlockEnd, "'%}'");
        var (body, _) = ParseBody(["endset"]);
        Expect(TokenKind.BlockEnd, "'%}'");
        return new SetNode(targets, null, body, at.Line, at.Column);
    }

    private Expr ParseAssignTarget()
    {
        var t = Current;
        string name = ExpectName();
        if (SkipOp("."))
        {
            string attr = ExpectName();
            return new AttrExpr(new NameExpr(name, t.Line, t.Column), attr, t.Line, t.Column);
        }
        return new NameExpr(name, t.Line, t.Column);
    }

    // ------------------------------------------------------------------ expressions

    private Expr ParseTupleOrExpression()
    {
        var t = Current;
        var first = ParseExpression();
        if (!IsOp(",")) return first;
        var items = new List<Expr> { first };
        while (SkipOp(","))
        {
            if (Current.Kind is TokenKind.BlockEnd or TokenKind.VariableEnd) break;
            items.Add(ParseExpression());
        }
        return new ListExpr(items, IsTuple: true, t.Line, t.Column);
    }

    private Expr ParseExpression() => ParseCondExpression(allowConditional: true);

    private Expr ParseCondExpression(bool allowConditional)
    {
        using var nesting = Nest();
        var expr = ParseOr();
        while (allowConditional && IsName("if"))
        {
            var t = Advance();
            var test = ParseOr();
            Expr? otherwise = SkipName("else") ? ParseCondExpression(true) : null;
            expr = new CondExpr(test, expr, otherwise, t.Line, t.Column);
        }
        return expr;
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (IsName("or"))
        {
            var t = Advance();
            left = new BinaryExpr("or", left, ParseAnd(), t.Line, t.Column);
        }
        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (IsName("and"))
        {
            var t = Advance();
            left = new BinaryExpr("and", left, ParseNot(), t.Line, t.Column);
        }
        return left;
    }

    private Expr ParseNot()
    {
        using var nesting = Nest();
        if (IsName("not"))
        {
            var t = Advance();
            return new UnaryExpr("not", ParseNot(), t.Line, t.Column);
        }
        return ParseCompare();
    }

    private static readonly HashSet<string> CompareOps = ["==", "!=", "<", "<=", ">", ">="];

    private Expr ParseCompare()
    {
        var t = Current;
        var first = ParseMath1();
        var rest = new List<(string, Expr)>();
        while (true)
        {
            if (Current.Kind == TokenKind.Operator && CompareOps.Contains(Current.Value))
            {
                string op = Advance().Value;
                rest.Add((op, ParseMath1()));
            }
            else if (IsName("in"))
            {
                Advance();
                rest.Add(("in", ParseMath1()));
            }
            else if (IsName("not") && _tokens[_i + 1].Kind == TokenKind.Name && _tokens[_i + 1].Value == "in")
            {
                _i += 2;
                rest.Add(("not in", ParseMath1()));
            }
            else break;
        }
        return rest.Count == 0 ? first : new CompareExpr(first, rest, t.Line, t.Column);
    }

    private Expr ParseMath1()
    {
        var left = ParseConcat();
        while (IsOp("+") || IsOp("-"))
        {
            var t = Advance();
            left = new BinaryExpr(t.Value, left, ParseConcat(), t.Line, t.Column);
        }
        return left;
    }

    private Expr ParseConcat()
    {
        var left = ParseMath2();
        while (IsOp("~"))
        {
            var t = Advance();
            left = new BinaryExpr("~", left, ParseMath2(), t.Line, t.Column);
        }
        return left;
    }

    private Expr ParseMath2()
    {
        var left = ParsePow();
        while (IsOp("*") || IsOp("/") || IsOp("//") || IsOp("%"))
        {
            var t = Advance();
            left = new BinaryExpr(t.Value, left, ParsePow(), t.Line, t.Column);
        }
        return left;
    }

    private Expr ParsePow()
    {
        var left = ParseUnary(withFilter: true);
        while (IsOp("**"))
        {
            var t = Advance();
            left = new BinaryExpr("**", left, ParseUnary(withFilter: true), t.Line, t.Column);
        }
        return left;
    }

    private Expr ParseUnary(bool withFilter)
    {
        using var nesting = Nest();
        var t = Current;
        Expr node;
        if (IsOp("-") || IsOp("+"))
        {
            Advance();
            node = new UnaryExpr(t.Value, ParseUnary(withFilter: false), t.Line, t.Column);
        }
        else
        {
            node = ParsePrimary();
        }
        node = ParsePostfix(node);
        if (withFilter) node = ParseFilterExpr(node);
        return node;
    }

    private Expr ParsePrimary()
    {
        var t = Current;
        switch (t.Kind)
        {
            case TokenKind.Name:
                Advance();
                return t.Value switch
                {
                    "true" or "True" => new LiteralExpr(true, t.Line, t.Column),
                    "false" or "False" => new LiteralExpr(false, t.Line, t.Column),
                    "none" or "None" => new LiteralExpr(null, t.Line, t.Column),
                    _ => new NameExpr(t.Value, t.Line, t.Column),
                };
            case TokenKind.String:
            {
                // Adjacent string literals concatenate, as in Python.
                var s = new System.Text.StringBuilder(Advance().Value);
                while (Current.Kind == TokenKind.String) s.Append(Advance().Value);
                return new LiteralExpr(s.ToString(), t.Line, t.Column);
            }
            case TokenKind.Integer:
                Advance();
                if (!long.TryParse(t.Value, NumberStyles.None, CultureInfo.InvariantCulture, out long l))
                    throw Error($"integer literal {t.Value} is too large", t);
                return new LiteralExpr(l, t.Line, t.Column);
            case TokenKind.Float:
                Advance();
                return new LiteralExpr(double.Parse(t.Value, NumberStyles.Float, CultureInfo.InvariantCulture), t.Line, t.Column);
            case TokenKind.Operator when t.Value == "(":
            {
                Advance();
                if (SkipOp(")")) return new ListExpr([], IsTuple: true, t.Line, t.Column);
                var first = ParseExpression();
                if (SkipOp(")")) return first;
                var items = new List<Expr> { first };
                while (SkipOp(","))
                {
                    if (IsOp(")")) break;
                    items.Add(ParseExpression());
                }
                ExpectOp(")");
                return new ListExpr(items, IsTuple: true, t.Line, t.Column);
            }
            case TokenKind.Operator when t.Value == "[":
            {
                Advance();
                var items = new List<Expr>();
                while (!IsOp("]"))
                {
                    items.Add(ParseExpression());
                    if (!SkipOp(",")) break;
                }
                ExpectOp("]");
                return new ListExpr(items, IsTuple: false, t.Line, t.Column);
            }
            case TokenKind.Operator when t.Value == "{":
            {
                Advance();
                var items = new List<(Expr, Expr)>();
                while (!IsOp("}"))
                {
                    var key = ParseExpression();
                    ExpectOp(":");
                    items.Add((key, ParseExpression()));
                    if (!SkipOp(",")) break;
                }
                ExpectOp("}");
                return new DictExpr(items, t.Line, t.Column);
            }
            default:
                throw Error($"unexpected {t} in expression", t);
        }
    }

    private Expr ParsePostfix(Expr node)
    {
        while (true)
        {
            var t = Current;
            if (SkipOp("."))
            {
                if (Current.Kind == TokenKind.Integer)
                    node = new ItemExpr(node, new LiteralExpr(long.Parse(Advance().Value, CultureInfo.InvariantCulture), t.Line, t.Column), t.Line, t.Column);
                else
                    node = new AttrExpr(node, ExpectName(), t.Line, t.Column);
            }
            else if (SkipOp("["))
            {
                node = ParseSubscript(node, t);
            }
            else if (IsOp("("))
            {
                node = ParseCall(node);
            }
            else return node;
        }
    }

    private Expr ParseSubscript(Expr target, Token at)
    {
        Expr? start = null, stop = null, step = null;
        bool isSlice = false;
        if (!IsOp(":")) start = ParseExpression();
        if (SkipOp(":"))
        {
            isSlice = true;
            if (!IsOp(":") && !IsOp("]")) stop = ParseExpression();
            if (SkipOp(":") && !IsOp("]")) step = ParseExpression();
        }
        ExpectOp("]");
        if (!isSlice) return new ItemExpr(target, start!, at.Line, at.Column);
        return new SliceExpr(target, start, stop, step, at.Line, at.Column);
    }

    private CallExpr ParseCall(Expr callee)
    {
        var t = ExpectOp("(");
        var (args, kwargs) = ParseArguments();
        return new CallExpr(callee, args, kwargs, t.Line, t.Column);
    }

    private (List<Expr>, List<(string, Expr)>) ParseArguments()
    {
        var args = new List<Expr>();
        var kwargs = new List<(string, Expr)>();
        while (!IsOp(")"))
        {
            if (IsOp("*") || IsOp("**")) throw Error("unsupported *args/**kwargs in a call", Current);
            if (Current.Kind == TokenKind.Name && _tokens[_i + 1].Kind == TokenKind.Operator && _tokens[_i + 1].Value == "=")
            {
                string name = Advance().Value;
                Advance();
                kwargs.Add((name, ParseExpression()));
            }
            else
            {
                if (kwargs.Count > 0) throw Error("positional argument after keyword argument", Current);
                args.Add(ParseExpression());
            }
            if (!SkipOp(",")) break;
        }
        ExpectOp(")");
        return (args, kwargs);
    }

    private Expr ParseFilterExpr(Expr node)
    {
        while (true)
        {
            if (IsOp("|"))
            {
                var t = Advance();
                var nameToken = Current;
                string name = ExpectName();
                while (SkipOp(".")) name += "." + ExpectName();
                if (!JinjaFilters.IsKnown(name)) throw Error($"unknown filter '{name}'", nameToken);
                List<Expr> args = [];
                List<(string, Expr)> kwargs = [];
                if (SkipOp("(")) (args, kwargs) = ParseArguments();
                node = new FilterExpr(node, name, args, kwargs, t.Line, t.Column);
            }
            else if (IsName("is"))
            {
                var t = Advance();
                bool negated = SkipName("not");
                var nameToken = Current;
                string name = Current.Kind == TokenKind.Name ? Advance().Value
                    : Current.Kind == TokenKind.Operator && JinjaTests.IsKnown(Current.Value) ? Advance().Value
                    : throw Error($"expected a test name after 'is', found {Current}", Current);
                if (!JinjaTests.IsKnown(name)) throw Error($"unknown test '{name}'", nameToken);
                var args = new List<Expr>();
                if (SkipOp("("))
                {
                    var (a, kw) = ParseArguments();
                    if (kw.Count > 0) throw Error("keyword arguments to tests are not supported", nameToken);
                    args = a;
                }
                else if (StartsTestArgument())
                {
                    // Jinja allows one bare argument: "x is divisibleby 3", "x is sameas none".
                    args.Add(ParsePrimaryWithPostfix());
                }
                node = new TestExpr(node, name, args, negated, t.Line, t.Column);
            }
            else if (IsOp("("))
            {
                node = ParseCall(node);
            }
            else return node;
        }
    }

    private bool StartsTestArgument()
    {
        var t = Current;
        if (t.Kind is TokenKind.String or TokenKind.Integer or TokenKind.Float) return true;
        if (t.Kind == TokenKind.Name)
            return t.Value is not ("and" or "or" or "if" or "else" or "in" or "is" or "not");
        return t.Kind == TokenKind.Operator && t.Value is "[" or "{";
    }

    private Expr ParsePrimaryWithPostfix() => ParsePostfix(ParsePrimary());
}
