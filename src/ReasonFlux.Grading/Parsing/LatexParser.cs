using ReasonFlux.Grading.Numerics;
using static ReasonFlux.Grading.Parsing.NodeFactory;

namespace ReasonFlux.Grading.Parsing;

/// <summary>
/// Recursive-descent parser from a normalised LaTeX (or plain-text) answer to a <see cref="MathNode"/>.
/// Linear in the number of tokens, with a nesting limit so hostile input cannot overflow the stack.
/// </summary>
internal sealed class LatexParser
{
    private const int MaxDepth = 120;

    private static readonly HashSet<string> FunctionNames = new(StringComparer.Ordinal)
    {
        "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
        "asin", "acos", "atan", "log", "ln", "lg", "exp", "abs", "floor", "ceil", "gcd", "lcm", "max", "min", "det", "cbrt",
        "arccot", "arcsec", "arccsc", "coth", "sech", "csch", "deg",
    };

    private static readonly HashSet<string> Greek = new(StringComparer.Ordinal)
    {
        "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota", "kappa",
        "lambda", "mu", "nu", "xi", "omicron", "rho", "varrho", "sigma", "varsigma", "tau", "upsilon", "phi", "varphi",
        "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega",
        "ell", "partial", "nabla", "hbar", "aleph",
    };

    private static readonly HashSet<string> Decorations = new(StringComparer.Ordinal)
    {
        "overline", "bar", "hat", "widehat", "vec", "tilde", "widetilde", "overrightarrow", "overleftrightarrow",
        "underline", "dot", "ddot", "check", "breve", "acute", "grave", "overarc", "arc",
    };

    /// <summary>Letters read as function names when directly followed by "(": f(x), g(2), P(x).</summary>
    private const string FunctionLetters = "fghFGHPQpq";

    private readonly List<LatexToken> _tokens;
    private readonly ComputeBudget _budget;
    private int _pos;
    private int _depth;

    private LatexParser(List<LatexToken> tokens, ComputeBudget budget)
    {
        _tokens = tokens;
        _budget = budget;
    }

    /// <summary>Parses a whole answer; throws <see cref="MathParseException"/> when it is not mathematics.</summary>
    public static MathNode Parse(string text, ComputeBudget budget)
    {
        var tokens = LatexTokenizer.Tokenize(text);
        budget.Step(tokens.Count);
        var parser = new LatexParser(tokens, budget);
        var node = parser.ParseTop(TokenKind.End, null);
        if (parser.Peek.Kind != TokenKind.End) throw new MathParseException($"unexpected '{parser.Peek.Text}'");
        return node;
    }

    private LatexToken Peek => _tokens[_pos];
    private LatexToken PeekAt(int offset) => _pos + offset < _tokens.Count ? _tokens[_pos + offset] : _tokens[^1];
    private LatexToken Advance() => _tokens[_pos++];

    private void Expect(string symbol)
    {
        if (!Peek.Is(symbol)) throw new MathParseException($"expected '{symbol}' but found '{Peek.Text}'");
        _pos++;
    }

    private bool IsSeparator(LatexToken t) =>
        t.Is(",") || t.Is(";")
        || (t.Kind == TokenKind.Word && t.Text is "and" or "or")
        || (t.Kind == TokenKind.TextGroup && t.Text.Trim() is "and" or "or" or "," or "");

    private bool IsStop(LatexToken t, TokenKind stopKind, string? stopSymbol) =>
        t.Kind == TokenKind.End || (stopSymbol is not null && t.Is(stopSymbol)) || (t.Kind == stopKind && stopKind != TokenKind.Symbol);

    /// <summary>A comma/and-separated list of relations; a single item is returned as itself.</summary>
    private MathNode ParseTop(TokenKind stopKind, string? stopSymbol)
    {
        var items = new List<MathNode>();
        while (IsSeparator(Peek)) Advance();
        if (IsStop(Peek, stopKind, stopSymbol)) throw new MathParseException("empty expression");
        items.Add(ParseRelation());
        while (IsSeparator(Peek))
        {
            while (IsSeparator(Peek)) Advance();
            if (IsStop(Peek, stopKind, stopSymbol)) break; // trailing comma
            items.Add(ParseRelation());
        }
        if (items.Count == 1) return items[0];
        // "n = 1, 2, 3" lists the values of n.
        if (items[0] is RelationNode { Ops.Count: 1 } r && r.Ops[0] == RelationOp.Equal && items.Skip(1).All(x => x is not RelationNode))
            return new RelationNode([r.Operands[0], new SequenceNode(SequenceKind.List, [r.Operands[1], .. items.Skip(1)])], [RelationOp.Equal]);
        return new SequenceNode(SequenceKind.List, items);
    }

    private MathNode ParseRelation()
    {
        var operands = new List<MathNode> { ParseUnion() };
        var ops = new List<RelationOp>();
        while (true)
        {
            if (Peek.IsCommand("in") || Peek.IsCommand("subseteq") || Peek.IsCommand("subset"))
            {
                // "x \in [a, b]": the set is the answer.
                Advance();
                var set = ParseUnion();
                if (ops.Count == 0) { operands[0] = set; continue; }
                operands[^1] = set;
                continue;
            }
            if (!TryRelationOp(out var op)) break;
            ops.Add(op);
            operands.Add(ParseUnion());
        }
        return ops.Count == 0 ? operands[0] : new RelationNode(operands, ops);
    }

    private bool TryRelationOp(out RelationOp op)
    {
        var t = Peek;
        op = RelationOp.Equal;
        if (t.Kind == TokenKind.Symbol)
        {
            switch (t.Text)
            {
                case "=":
                    _pos++;
                    if (Peek.Is("=")) _pos++;
                    else if (Peek.Is("<")) { _pos++; op = RelationOp.LessEqual; }
                    else if (Peek.Is(">")) { _pos++; op = RelationOp.GreaterEqual; }
                    return true;
                case "<":
                    _pos++;
                    if (Peek.Is("=")) { _pos++; op = RelationOp.LessEqual; } else op = RelationOp.Less;
                    return true;
                case ">":
                    _pos++;
                    if (Peek.Is("=")) { _pos++; op = RelationOp.GreaterEqual; } else op = RelationOp.Greater;
                    return true;
                case "!" when PeekAt(1).Is("="):
                    _pos += 2; op = RelationOp.NotEqual; return true;
            }
            return false;
        }
        if (t.Kind != TokenKind.Command) return false;
        switch (t.Text)
        {
            case "le" or "leq" or "leqslant" or "leqq": op = RelationOp.LessEqual; break;
            case "ge" or "geq" or "geqslant" or "geqq": op = RelationOp.GreaterEqual; break;
            case "lt": op = RelationOp.Less; break;
            case "gt": op = RelationOp.Greater; break;
            case "ne" or "neq": op = RelationOp.NotEqual; break;
            case "equiv" or "to" or "rightarrow" or "approx" or "cong": op = RelationOp.Equal; break;
            default: return false;
        }
        _pos++;
        return true;
    }

    private MathNode ParseUnion()
    {
        var first = ParseSum();
        if (!(Peek.IsCommand("cup") || Peek.IsCommand("cap") || Peek.IsCommand("setminus"))) return first;
        var parts = new List<MathNode> { first };
        MathNode? result = null;
        while (Peek.IsCommand("cup") || Peek.IsCommand("cap") || Peek.IsCommand("setminus"))
        {
            var op = Advance().Text;
            var next = ParseSum();
            if (op == "cup") parts.Add(next);
            else
            {
                // Intersections and differences are kept opaque; they still compare structurally.
                result = new FuncNode(op, [parts.Count == 1 ? parts[0] : new UnionNode(parts), next]);
                parts = [result];
            }
        }
        return parts.Count == 1 ? parts[0] : new UnionNode(parts);
    }

    private MathNode ParseSum()
    {
        var terms = new List<MathNode> { ParseTerm() };
        while (true)
        {
            var t = Peek;
            if (t.Is("+")) { Advance(); terms.Add(ParseTerm()); }
            else if (t.Is("-")) { Advance(); terms.Add(Negate(ParseTerm())); }
            else if (t.IsCommand("pm") || t.IsCommand("mp"))
            {
                Advance();
                var left = Sum(terms);
                terms = [new PlusMinusNode(left, ParseTerm(), t.Text == "mp")];
            }
            else break;
        }
        return Sum(terms);
    }

    private MathNode ParseTerm()
    {
        var factors = new List<MathNode> { ParseUnary() };
        while (true)
        {
            _budget.Step();
            var t = Peek;
            if (t.Is("*") || t.IsCommand("cdot") || t.IsCommand("times") || t.IsCommand("ast"))
            {
                Advance();
                var right = ParseUnary();
                // 1.5 \times 10^{3}: one literal whose precision moves with the exponent.
                if (factors.Count == 1 && factors[0] is NumberNode { Decimals: not null } mantissa
                    && right is PowNode { Base: NumberNode ten, Exponent: NumberNode exp } && ten.Value == Numerics.BigRational.FromInteger(10)
                    && exp.Decimals is null && exp.Value.TryGetInt32(out int n))
                {
                    if (Math.Abs(n) <= 4000)
                    {
                        factors[0] = new NumberNode(mantissa.Value * Numerics.BigRational.PowerOfTen(n), mantissa.Decimals - n, mantissa.SignificantDigits);
                        continue;
                    }
                }
                factors.Add(right);
            }
            else if (t.Is("/") || t.IsCommand("div") || t.IsCommand("over"))
            {
                Advance();
                factors.Add(Reciprocal(ParseUnary()));
            }
            else if (StartsImplicitFactor(t))
            {
                if (factors.Count == 1 && TryMixedNumber(factors[0], out var mixed))
                {
                    factors[0] = mixed;
                    continue;
                }
                factors.Add(ParsePower());
            }
            else break;
        }
        return Product(factors);
    }

    /// <summary>7\frac{3}{4} and "7 3/4" are mixed numbers (31/4), not products; only for integer literals
    /// with a proper fraction, the way answer keys write them ("0 4/9" = 4/9, "4 0/9" = 4).</summary>
    private bool TryMixedNumber(MathNode first, out MathNode mixed)
    {
        mixed = first;
        NumberNode? whole = first as NumberNode;
        bool negative = false;
        if (whole is null && first is MulNode { Factors.Count: 2 } m && m.Factors[0] is NumberNode mo && mo.Value == -Numerics.BigRational.One && m.Factors[1] is NumberNode w2)
        {
            whole = w2; negative = true;
        }
        if (whole is null || whole.Decimals is not null || !whole.Value.IsInteger) return false;
        // "(11) 4/9" is a product: only a written integer literal starts a mixed number.
        if (_pos == 0 || _tokens[_pos - 1].Kind != TokenKind.Number) return false;
        if (whole.Value.Sign < 0) { negative = !negative; whole = (NumberNode)Negate(whole); }

        string? num = null, den = null;
        int consumed = 0;
        if (Peek.IsCommand("frac") && PeekAt(1).Is("{") && PeekAt(2).Kind == TokenKind.Number && PeekAt(3).Is("}")
            && PeekAt(4).Is("{") && PeekAt(5).Kind == TokenKind.Number && PeekAt(6).Is("}"))
        {
            num = PeekAt(2).Text; den = PeekAt(5).Text; consumed = 7;
        }
        else if (Peek.Kind == TokenKind.Number && Peek.SpaceBefore && PeekAt(1).Is("/") && PeekAt(2).Kind == TokenKind.Number)
        {
            num = Peek.Text; den = PeekAt(2).Text; consumed = 3;
        }
        if (num is null || den is null || num.Contains('.') || den.Contains('.') || num.Contains('e') || den.Contains('e')) return false;
        var n = ParseNumber(num).Value;
        var d = ParseNumber(den).Value;
        // "11 6/6" and "4 4/0" look like mixed numbers but have no value (Math-Verify: not equal to 11, 12, 1 or 4);
        // reading them as a product would credit 11 · 6/6 = 11.
        if (d.IsZero || n >= d) throw new MathParseException($"\"{whole.Value} {num}/{den}\": a whole number followed by an improper fraction is not a number");
        _pos += consumed;
        var value = whole.Value + n / d;
        mixed = new NumberNode(negative ? -value : value);
        return true;
    }

    private bool StartsImplicitFactor(LatexToken t) => t.Kind switch
    {
        TokenKind.Number or TokenKind.Letter or TokenKind.Begin => true,
        TokenKind.Word => t.Text is not ("and" or "or" or "mod"),
        TokenKind.TextGroup => t.Text.Trim() is not ("and" or "or" or "," or ""),
        TokenKind.Command => t.Text is "frac" or "sqrt" or "pi" or "binom" or "infty" or "lfloor" or "lceil" or "langle"
                             || Greek.Contains(t.Text) || FunctionNames.Contains(t.Text) || Decorations.Contains(t.Text)
                             || t.Text is "sum" or "prod" or "int" or "lim",
        TokenKind.Symbol => t.Text is "(" or "\\{",
        _ => false,
    };

    private MathNode ParseUnary()
    {
        var t = Peek;
        if (t.Is("-")) { Advance(); return Negate(ParseUnary()); }
        if (t.Is("+")) { Advance(); return ParseUnary(); }
        if (t.IsCommand("pm") || t.IsCommand("mp")) { Advance(); return new PlusMinusNode(null, ParseUnary(), t.Text == "mp"); }
        return ParsePower();
    }

    private MathNode ParsePower()
    {
        var b = ParsePostfix();
        if (!Peek.Is("^")) return b;
        Advance();
        var e = ParseExponent();
        var result = new PowNode(b, e);
        // (n)! after a power is rare; a prime or factorial binds to the base already.
        return result;
    }

    private MathNode ParseExponent()
    {
        var t = Peek;
        MathNode e;
        if (t.Is("{"))
        {
            Advance();
            e = ParseTop(TokenKind.Symbol, "}");
            Expect("}");
        }
        else if (t.Is("-")) { Advance(); e = Negate(ParseExponent()); return e; }
        else if (t.Is("+")) { Advance(); return ParseExponent(); }
        else e = ParsePostfix();
        if (Peek.Is("^")) { Advance(); e = new PowNode(e, ParseExponent()); }
        return e;
    }

    private MathNode ParsePostfix()
    {
        var a = ParsePrimary();
        while (true)
        {
            var t = Peek;
            if (t.Is("!") && !PeekAt(1).Is("=")) { Advance(); a = new FuncNode("factorial", [a]); }
            else if (t.Is("'") || t.IsCommand("prime"))
            {
                Advance();
                a = a is SymbolNode s ? new SymbolNode(s.Name + "'") : new FuncNode("prime", [a]);
            }
            else if (t.Is("_"))
            {
                Advance();
                var sub = ParseSubscript();
                a = a switch
                {
                    NumberNode n when n.Decimals is null && n.Value.IsInteger && n.Value.Sign >= 0 && sub is NumberNode or SymbolNode
                        => new BaseNumberNode(n.Value.ToString(), sub.Canonical),
                    SymbolNode s => new SymbolNode(s.Name + "_" + sub.Canonical),
                    ConstantNode c when c.Kind == ConstantKind.E => new SymbolNode("e_" + sub.Canonical),
                    _ => new FuncNode("sub", [a, sub]),
                };
            }
            else return a;
        }
    }

    private MathNode ParseSubscript()
    {
        var t = Peek;
        if (t.Is("{"))
        {
            Advance();
            var inner = ParseTop(TokenKind.Symbol, "}");
            Expect("}");
            return inner;
        }
        if (t.Kind is TokenKind.Number) { Advance(); return ParseNumber(t.Text); }
        if (t.Kind is TokenKind.Letter or TokenKind.Word) { Advance(); return new SymbolNode(t.Text); }
        return ParsePrimary();
    }

    private MathNode ParsePrimary()
    {
        _budget.Step();
        if (++_depth > MaxDepth) throw new MathParseException("expression nested too deeply");
        try
        {
            var t = Peek;
            switch (t.Kind)
            {
                case TokenKind.Number:
                    Advance();
                    return ParseNumber(t.Text);
                case TokenKind.Letter:
                    return ParseLetter();
                case TokenKind.Word:
                    return ParseWord();
                case TokenKind.Command:
                    return ParseCommand();
                case TokenKind.TextGroup:
                    Advance();
                    return ParseTextGroup(t);
                case TokenKind.Begin:
                    Advance();
                    return ParseEnvironment(t.Text.Trim());
                case TokenKind.Symbol:
                    return ParseBracketLike();
                default:
                    throw new MathParseException("unexpected end of answer");
            }
        }
        finally
        {
            _depth--;
        }
    }

    private MathNode ParseLetter()
    {
        var t = Advance();
        char c = t.Text[0];
        if (FunctionLetters.Contains(c) && Peek.Is("(") && !Peek.SpaceBefore)
        {
            Advance();
            var args = ParseArgumentList(")");
            return new FuncNode(t.Text, args);
        }
        return c switch
        {
            'e' or 'E' => new ConstantNode(ConstantKind.E),
            'i' => new ConstantNode(ConstantKind.I),
            _ => new SymbolNode(t.Text),
        };
    }

    private List<MathNode> ParseArgumentList(string close)
    {
        var args = new List<MathNode>();
        if (Peek.Is(close)) { Advance(); return args; }
        args.Add(ParseRelation());
        while (Peek.Is(",") || Peek.Is(";")) { Advance(); args.Add(ParseRelation()); }
        Expect(close);
        return args;
    }

    private MathNode ParseWord()
    {
        var t = Advance();
        switch (t.Text)
        {
            case "pi": return new ConstantNode(ConstantKind.Pi);
            case "inf" or "infty" or "infinity" or "oo": return new ConstantNode(ConstantKind.Infinity);
            case "sqrt": return new FuncNode("sqrt", [ParseFunctionArgument()]);
            case "root":
            {
                var args = ParseParenthesizedArgs();
                return args.Count == 2 ? new FuncNode("root", args) : new FuncNode("sqrt", args);
            }
        }
        if (FunctionNames.Contains(t.Text)) return ParseFunctionTail(t.Text);
        if (LatexTokenizer.KnownWords.Contains(t.Text)) return new SymbolNode(t.Text);
        return new TextNode(t.Text.ToLowerInvariant());
    }

    private List<MathNode> ParseParenthesizedArgs()
    {
        if (!Peek.Is("(")) return [ParseFunctionArgument()];
        Advance();
        return ParseArgumentList(")");
    }

    private MathNode ParseCommand()
    {
        var t = Advance();
        var name = t.Text;
        switch (name)
        {
            case "frac" or "dfrac" or "tfrac" or "cfrac":
            {
                var num = ParseGroupArgument();
                var den = ParseGroupArgument();
                return Divide(num, den);
            }
            case "binom" or "dbinom" or "tbinom" or "choose":
                return new FuncNode("binom", [ParseGroupArgument(), ParseGroupArgument()]);
            case "sqrt":
            {
                MathNode? index = null;
                if (Peek.Is("["))
                {
                    Advance();
                    index = ParseTop(TokenKind.Symbol, "]");
                    Expect("]");
                }
                var radicand = ParseGroupArgument();
                return index is null ? new FuncNode("sqrt", [radicand]) : new FuncNode("root", [radicand, index]);
            }
            case "pi": return new ConstantNode(ConstantKind.Pi);
            case "infty" or "infin": return new ConstantNode(ConstantKind.Infinity);
            case "emptyset" or "varnothing": return new SequenceNode(SequenceKind.Set, []);
            case "ldots" or "dots" or "cdots" or "dotsc" or "dotsb": return EllipsisNode.Instance;
            case "lfloor": return ParseDelimited("rfloor", "floor");
            case "lceil": return ParseDelimited("rceil", "ceil");
            case "lvert" or "vert" or "mid": return ParseDelimited(name == "lvert" ? "rvert" : name, "abs");
            case "lVert" or "Vert": return ParseDelimited(name == "lVert" ? "rVert" : name, "norm");
            case "langle":
            {
                var items = new List<MathNode> { ParseRelation() };
                while (Peek.Is(",")) { Advance(); items.Add(ParseRelation()); }
                if (!Peek.IsCommand("rangle")) throw new MathParseException("missing \\rangle");
                Advance();
                return new SequenceNode(SequenceKind.Tuple, items);
            }
            case "sum" or "prod" or "int" or "lim" or "iint" or "oint":
                return ParseBigOperator(name);
        }
        if (Greek.Contains(name)) return new SymbolNode("\\" + name);
        if (FunctionNames.Contains(name)) return ParseFunctionTail(name);
        if (Decorations.Contains(name))
        {
            var inner = ParseGroupArgument();
            return new SymbolNode(name + "(" + inner.Canonical + ")");
        }
        return name switch
        {
            "circ" or "degree" => throw new MathParseException("stray degree sign"),
            "cup" or "cap" or "cdot" or "times" => throw new MathParseException("operator without operand: \\" + name),
            _ => new SymbolNode("\\" + name),
        };
    }

    private MathNode ParseBigOperator(string name)
    {
        MathNode lower = new SymbolNode(""), upper = new SymbolNode("");
        for (int k = 0; k < 2; k++)
        {
            if (Peek.Is("_")) { Advance(); lower = ParseSubscript(); }
            else if (Peek.Is("^")) { Advance(); upper = ParseExponent(); }
        }
        var body = ParseTerm();
        return new FuncNode(name, [lower, upper, body]);
    }

    private MathNode ParseDelimited(string closeCommand, string function)
    {
        var inner = ParseTop(TokenKind.Command, null);
        if (!Peek.IsCommand(closeCommand)) throw new MathParseException("missing \\" + closeCommand);
        Advance();
        return new FuncNode(function, [inner]);
    }

    /// <summary>After a function name: optional ^power and _base, then the argument.</summary>
    private MathNode ParseFunctionTail(string name)
    {
        MathNode? power = null, logBase = null;
        for (int k = 0; k < 2; k++)
        {
            if (Peek.Is("^")) { Advance(); power = ParseExponent(); }
            else if (Peek.Is("_")) { Advance(); logBase = ParseSubscript(); }
        }
        List<MathNode> args;
        if (Peek.Is("(")) { Advance(); args = ParseArgumentList(")"); }
        else if (Peek.Is("{")) args = [ParseGroupArgument()];
        else args = [ParseFunctionArgument()];

        if (power is NumberNode p && p.Value == -Numerics.BigRational.One && name is "sin" or "cos" or "tan" or "sec" or "csc" or "cot")
            return new FuncNode("arc" + name, args);
        MathNode node = name switch
        {
            "log" when logBase is not null => new FuncNode("log", [args[0], logBase]),
            "lg" => new FuncNode("log", [args[0], Integer(10)]),
            "asin" => new FuncNode("arcsin", args),
            "acos" => new FuncNode("arccos", args),
            "atan" => new FuncNode("arctan", args),
            "cbrt" => new FuncNode("root", [args[0], Integer(3)]),
            _ => new FuncNode(name, args),
        };
        return power is null ? node : new PowNode(node, power);
    }

    /// <summary>An unparenthesised argument, "\sin 2x" or "\log 8": implicit product of simple factors.</summary>
    private MathNode ParseFunctionArgument()
    {
        var factors = new List<MathNode> { ParsePower() };
        while (Peek.Kind is TokenKind.Number or TokenKind.Letter
               || (Peek.Kind == TokenKind.Command && (Greek.Contains(Peek.Text) || Peek.Text is "pi" or "frac" or "sqrt")))
            factors.Add(ParsePower());
        return Product(factors);
    }

    /// <summary>A {group} argument, or a single token as TeX reads \frac12.</summary>
    private MathNode ParseGroupArgument()
    {
        if (Peek.Is("{"))
        {
            Advance();
            var inner = ParseTop(TokenKind.Symbol, "}");
            Expect("}");
            return inner;
        }
        var t = Peek;
        if (t.Kind == TokenKind.Number)
        {
            // \frac12: TeX takes a single digit.
            Advance();
            if (t.Text.Length > 1 && t.Text.All(char.IsAsciiDigit))
            {
                _tokens.Insert(_pos, new LatexToken(TokenKind.Number, t.Text[1..], false));
                return ParseNumber(t.Text[..1]);
            }
            return ParseNumber(t.Text);
        }
        return ParsePostfix();
    }

    private MathNode ParseTextGroup(LatexToken t)
    {
        var content = t.Text.Trim();
        var command = t.Extra ?? "text";
        if (command == "operatorname") return ParseFunctionTail(content);
        if (command == "mathbb") return new SymbolNode("\\mathbb{" + content + "}");
        if (content.Length == 0) throw new MathParseException("empty text");
        // \text{13}, \mathrm{e}, \mathbf{v}: the content is itself mathematics.
        try
        {
            var inner = Parse(content, _budget);
            if (inner is not TextNode || command is "text" or "textbf" or "textnormal" or "mbox" or "textit") return inner;
        }
        catch (MathParseException)
        {
        }
        return new TextNode(TextNormalizer.Canonical(content));
    }

    private MathNode ParseEnvironment(string env)
    {
        switch (env)
        {
            case "pmatrix" or "bmatrix" or "Bmatrix" or "vmatrix" or "Vmatrix" or "matrix" or "smallmatrix" or "array":
                break;
            default:
                throw new MathParseException("unsupported environment " + env);
        }
        if (env == "array" && Peek.Is("{"))
        {
            int depth = 0;
            do
            {
                if (Peek.Is("{")) depth++;
                else if (Peek.Is("}")) depth--;
                else if (Peek.Kind == TokenKind.End) throw new MathParseException("bad array column spec");
                Advance();
            } while (depth > 0);
        }
        var rows = new List<List<MathNode>> { new() };
        while (true)
        {
            _budget.Step();
            var t = Peek;
            if (t.Kind == TokenKind.EndEnv) { Advance(); break; }
            if (t.Kind == TokenKind.End) throw new MathParseException("unterminated " + env);
            if (t.Is("&")) { Advance(); continue; }
            if (t.Is("\\\\")) { Advance(); rows.Add([]); continue; }
            if (t.Kind == TokenKind.Command && t.Text is "hline") { Advance(); continue; }
            rows[^1].Add(ParseRelation());
        }
        rows.RemoveAll(r => r.Count == 0);
        if (rows.Count == 0) throw new MathParseException("empty matrix");
        int columns = rows[0].Count;
        if (rows.Any(r => r.Count != columns)) throw new MathParseException("ragged matrix");
        var matrix = new MatrixNode(rows.Count, columns, rows.SelectMany(r => r).ToList());
        return env is "vmatrix" ? new FuncNode("det", [matrix]) : matrix;
    }

    private MathNode ParseBracketLike()
    {
        var t = Advance();
        switch (t.Text)
        {
            case "(" or "[":
                return ParseBracketed(t.Text[0]);
            case "{":
            {
                var inner = ParseTop(TokenKind.Symbol, "}");
                Expect("}");
                return inner;
            }
            case "\\{":
            {
                if (Peek.Is("\\}")) { Advance(); return new SequenceNode(SequenceKind.Set, []); }
                var inner = ParseTop(TokenKind.Symbol, "\\}");
                Expect("\\}");
                return new SequenceNode(SequenceKind.Set, inner is SequenceNode { Kind: SequenceKind.List } l ? l.Items : [inner]);
            }
            case "|":
            {
                var inner = ParseSum();
                Expect("|");
                return new FuncNode("abs", [inner]);
            }
            case "\\|":
            {
                var inner = ParseSum();
                Expect("\\|");
                return new FuncNode("norm", [inner]);
            }
        }
        throw new MathParseException($"unexpected '{t.Text}'");
    }

    private MathNode ParseBracketed(char open)
    {
        if (Peek.Is(")") || Peek.Is("]")) { Advance(); return new SequenceNode(SequenceKind.Tuple, []); }
        var items = new List<MathNode> { ParseRelation() };
        while (Peek.Is(",") || Peek.Is(";"))
        {
            Advance();
            items.Add(ParseRelation());
        }
        var close = Peek;
        if (!(close.Is(")") || close.Is("]"))) throw new MathParseException($"unclosed '{open}'");
        Advance();
        bool closeParen = close.Text == ")";
        if (items.Count == 1)
        {
            if (open == '(' && closeParen) return items[0];
            if (open == '[' && !closeParen) return items[0];
            throw new MathParseException("mismatched brackets around a single item");
        }
        if (items.Count == 2 && !(open == '(' && closeParen))
            return new IntervalNode(open == '[', items[0], items[1], !closeParen);
        if (open == '(' && closeParen) return new SequenceNode(SequenceKind.Tuple, items);
        if (open == '[' && !closeParen) return new SequenceNode(SequenceKind.Bracket, items);
        throw new MathParseException("mismatched brackets");
    }
}
