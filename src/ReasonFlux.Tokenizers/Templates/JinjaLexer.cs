using System.Globalization;
using System.Text;

namespace ReasonFlux.Tokenizers.Templates;

internal enum TokenKind
{
    Text,
    VariableBegin, VariableEnd,
    BlockBegin, BlockEnd,
    Name, String, Integer, Float, Operator,
    End,
}

internal readonly record struct Token(TokenKind Kind, string Value, int Line, int Column)
{
    public override string ToString() => Kind switch
    {
        TokenKind.End => "end of template",
        TokenKind.Text => "template text",
        TokenKind.String => $"string '{Value}'",
        _ => $"'{Value}'",
    };
}

/// <summary>
/// Splits a Jinja template into text and tag tokens with the whitespace rules transformers configures:
/// trim_blocks and lstrip_blocks on, "-" strips all whitespace on its side, "+" disables lstrip/trim, a
/// single trailing newline of the template is dropped (keep_trailing_newline off), comments vanish.
/// </summary>
internal sealed class JinjaLexer
{
    private readonly string _src;
    private int _pos;
    private readonly List<Token> _tokens = [];
    private readonly int[] _lineStarts;

    private JinjaLexer(string source)
    {
        source = source.Replace("\r\n", "\n").Replace('\r', '\n');
        if (source.EndsWith('\n')) source = source[..^1];
        _src = source;
        var starts = new List<int> { 0 };
        for (int i = 0; i < source.Length; i++) if (source[i] == '\n') starts.Add(i + 1);
        _lineStarts = starts.ToArray();
    }

    public static List<Token> Tokenize(string source)
    {
        var lexer = new JinjaLexer(source);
        lexer.Run();
        return lexer._tokens;
    }

    private (int Line, int Column) LineColumn(int pos)
    {
        int idx = Array.BinarySearch(_lineStarts, pos);
        if (idx < 0) idx = ~idx - 1;
        return (idx + 1, pos - _lineStarts[idx] + 1);
    }

    private JinjaException Error(string message, int pos)
    {
        var (line, col) = LineColumn(pos);
        return new JinjaException(message, line, col);
    }

    private void Add(TokenKind kind, string value, int pos)
    {
        var (line, col) = LineColumn(pos);
        _tokens.Add(new Token(kind, value, line, col));
    }

    private void Run()
    {
        bool stripNextText = false; // set by "-%}" / "-}}" / "-#}"
        bool trimNextNewline = false; // set by trim_blocks after "%}" / "#}"
        while (_pos < _src.Length)
        {
            int tagStart = FindTagStart(_pos);
            int textEnd = tagStart < 0 ? _src.Length : tagStart;
            string text = _src[_pos..textEnd];
            int textPos = _pos;
            if (stripNextText) { text = text.TrimStart(); stripNextText = false; trimNextNewline = false; }
            if (trimNextNewline) { if (text.StartsWith('\n')) text = text[1..]; trimNextNewline = false; }

            if (tagStart < 0)
            {
                if (text.Length > 0) Add(TokenKind.Text, text, textPos);
                _pos = _src.Length;
                break;
            }

            char kind = _src[tagStart + 1]; // '{', '%' or '#'
            int inner = tagStart + 2;
            char modifier = inner < _src.Length ? _src[inner] : '\0';
            if (modifier == '-')
            {
                text = text.TrimEnd();
                inner++;
            }
            else if (modifier == '+')
            {
                inner++;
            }
            else if (kind is '%' or '#')
            {
                text = LStripBlock(text, textPos, tagStart);
            }
            if (text.Length > 0) Add(TokenKind.Text, text, textPos);

            if (kind == '#')
            {
                int close = _src.IndexOf("#}", inner, StringComparison.Ordinal);
                if (close < 0) throw Error("unclosed comment", tagStart);
                bool dash = close > inner && _src[close - 1] == '-';
                bool plus = close > inner && _src[close - 1] == '+';
                _pos = close + 2;
                if (dash) stripNextText = true;
                else if (!plus) trimNextNewline = true;
                continue;
            }

            if (kind == '%' && TryLexRaw(tagStart, inner, ref stripNextText, ref trimNextNewline)) continue;

            Add(kind == '{' ? TokenKind.VariableBegin : TokenKind.BlockBegin, kind == '{' ? "{{" : "{%", tagStart);
            _pos = inner;
            var (dashEnd, plusEnd) = LexInside(kind == '{' ? '}' : '%', tagStart);
            if (dashEnd) stripNextText = true;
            else if (kind == '%' && !plusEnd) trimNextNewline = true;
        }
        Add(TokenKind.End, "", _src.Length);
    }

    private int FindTagStart(int from)
    {
        int i = from;
        while (true)
        {
            i = _src.IndexOf('{', i);
            if (i < 0 || i + 1 >= _src.Length) return -1;
            char next = _src[i + 1];
            if (next is '{' or '%' or '#') return i;
            i++;
        }
    }

    // lstrip_blocks: spaces/tabs between the start of the line and a block or comment tag are removed.
    // Decided on the source, since trim_blocks may already have removed the newline before them.
    private string LStripBlock(string text, int textPos, int tagStart)
    {
        int b = tagStart;
        while (b > textPos && _src[b - 1] is ' ' or '\t') b--;
        bool atLineStart = b == 0 || _src[b - 1] == '\n';
        if (!atLineStart) return text;
        int blanks = Math.Min(tagStart - b, text.Length);
        return text[..^blanks];
    }

    // {% raw %}...{% endraw %} passes its body through untouched.
    private bool TryLexRaw(int tagStart, int inner, ref bool stripNextText, ref bool trimNextNewline)
    {
        int p = inner;
        while (p < _src.Length && char.IsWhiteSpace(_src[p])) p++;
        if (string.CompareOrdinal(_src, p, "raw", 0, 3) != 0) return false;
        int q = p + 3;
        while (q < _src.Length && char.IsWhiteSpace(_src[q])) q++;
        bool dash = q < _src.Length && _src[q] == '-';
        if (dash) q++;
        if (string.CompareOrdinal(_src, q, "%}", 0, 2) != 0) return false;
        int bodyStart = q + 2;
        int search = bodyStart;
        while (true)
        {
            int open = _src.IndexOf("{%", search, StringComparison.Ordinal);
            if (open < 0) throw Error("unclosed {% raw %} block", tagStart);
            int r = open + 2;
            bool dashBefore = r < _src.Length && _src[r] == '-';
            if (dashBefore || (r < _src.Length && _src[r] == '+')) r++;
            while (r < _src.Length && char.IsWhiteSpace(_src[r])) r++;
            if (string.CompareOrdinal(_src, r, "endraw", 0, 6) == 0)
            {
                int s = r + 6;
                while (s < _src.Length && char.IsWhiteSpace(_src[s])) s++;
                bool dashAfter = s < _src.Length && _src[s] == '-';
                if (dashAfter) s++;
                if (string.CompareOrdinal(_src, s, "%}", 0, 2) != 0) throw Error("malformed {% endraw %}", open);
                string body = _src[bodyStart..open];
                if (dash) body = body.TrimStart();
                else if (body.StartsWith('\n')) body = body[1..];
                if (dashBefore) body = body.TrimEnd();
                else body = LStripBlock(body, bodyStart, open);
                if (body.Length > 0) Add(TokenKind.Text, body, bodyStart);
                _pos = s + 2;
                stripNextText = dashAfter;
                trimNextNewline = !dashAfter;
                return true;
            }
            search = open + 2;
        }
    }

    /// <summary>Lexes expression tokens up to the closing "}}" or "%}"; returns whether it had "-" / "+".</summary>
    private (bool Dash, bool Plus) LexInside(char closer, int tagStart)
    {
        int depth = 0;
        while (true)
        {
            while (_pos < _src.Length && char.IsWhiteSpace(_src[_pos])) _pos++;
            if (_pos >= _src.Length) throw Error(closer == '}' ? "unclosed '{{'" : "unclosed '{%'", tagStart);
            if (depth == 0)
            {
                bool dash = _src[_pos] is '-' or '+' && _pos + 2 < _src.Length && _src[_pos + 1] == closer && _src[_pos + 2] == '}';
                if (dash)
                {
                    bool isDash = _src[_pos] == '-';
                    Add(closer == '}' ? TokenKind.VariableEnd : TokenKind.BlockEnd, closer == '}' ? "}}" : "%}", _pos);
                    _pos += 3;
                    return (isDash, !isDash);
                }
                if (_src[_pos] == closer && _pos + 1 < _src.Length && _src[_pos + 1] == '}')
                {
                    Add(closer == '}' ? TokenKind.VariableEnd : TokenKind.BlockEnd, closer == '}' ? "}}" : "%}", _pos);
                    _pos += 2;
                    return (false, false);
                }
            }
            char c = _src[_pos];
            int start = _pos;
            if (char.IsLetter(c) || c == '_')
            {
                while (_pos < _src.Length && (char.IsLetterOrDigit(_src[_pos]) || _src[_pos] == '_')) _pos++;
                Add(TokenKind.Name, _src[start.._pos], start);
            }
            else if (char.IsAsciiDigit(c))
            {
                LexNumber(start);
            }
            else if (c is '\'' or '"')
            {
                Add(TokenKind.String, LexString(c), start);
            }
            else
            {
                string op = LexOperator();
                if (op is "(" or "[" or "{") depth++;
                else if (op is ")" or "]" or "}")
                {
                    if (depth == 0) throw Error($"unexpected '{op}'", start);
                    depth--;
                }
                Add(TokenKind.Operator, op, start);
            }
        }
    }

    private void LexNumber(int start)
    {
        while (_pos < _src.Length && (char.IsAsciiDigit(_src[_pos]) || _src[_pos] == '_')) _pos++;
        bool isFloat = false;
        if (_pos + 1 < _src.Length && _src[_pos] == '.' && char.IsAsciiDigit(_src[_pos + 1]))
        {
            isFloat = true;
            _pos++;
            while (_pos < _src.Length && (char.IsAsciiDigit(_src[_pos]) || _src[_pos] == '_')) _pos++;
        }
        if (_pos < _src.Length && _src[_pos] is 'e' or 'E')
        {
            int save = _pos;
            _pos++;
            if (_pos < _src.Length && _src[_pos] is '+' or '-') _pos++;
            if (_pos < _src.Length && char.IsAsciiDigit(_src[_pos]))
            {
                isFloat = true;
                while (_pos < _src.Length && char.IsAsciiDigit(_src[_pos])) _pos++;
            }
            else _pos = save;
        }
        string text = _src[start.._pos].Replace("_", "");
        Add(isFloat ? TokenKind.Float : TokenKind.Integer, text, start);
    }

    // Python "unicode-escape" rules, as Jinja2 applies to string literals; unknown escapes stay as written.
    private string LexString(char quote)
    {
        int start = _pos;
        _pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _src.Length) throw Error("unterminated string literal", start);
            char c = _src[_pos++];
            if (c == quote) return sb.ToString();
            if (c != '\\') { sb.Append(c); continue; }
            if (_pos >= _src.Length) throw Error("unterminated string literal", start);
            char e = _src[_pos++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'v': sb.Append('\v'); break;
                case '\n': break;
                case 'x': sb.Append(HexEscape(2, start)); break;
                case 'u': sb.Append(HexEscape(4, start)); break;
                case 'U': sb.Append(HexEscape(8, start)); break;
                case >= '0' and <= '7':
                {
                    int value = e - '0';
                    for (int k = 0; k < 2 && _pos < _src.Length && _src[_pos] is >= '0' and <= '7'; k++) value = value * 8 + (_src[_pos++] - '0');
                    sb.Append((char)value);
                    break;
                }
                default: sb.Append('\\').Append(e); break;
            }
        }
    }

    private string HexEscape(int digits, int stringStart)
    {
        if (_pos + digits > _src.Length || !int.TryParse(_src.AsSpan(_pos, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int value))
            throw Error($"invalid \\{(digits == 2 ? "x" : digits == 4 ? "u" : "U")} escape in string literal", stringStart);
        _pos += digits;
        return char.ConvertFromUtf32(value);
    }

    private static readonly string[] Operators =
    [
        "**", "//", "==", "!=", "<=", ">=",
        "+", "-", "*", "/", "%", "~", "<", ">", "=", "|", ".", ",", ":", "(", ")", "[", "]", "{", "}",
    ];

    private string LexOperator()
    {
        foreach (var op in Operators)
        {
            if (string.CompareOrdinal(_src, _pos, op, 0, op.Length) == 0)
            {
                _pos += op.Length;
                return op;
            }
        }
        throw Error($"unexpected character '{_src[_pos]}'", _pos);
    }
}
