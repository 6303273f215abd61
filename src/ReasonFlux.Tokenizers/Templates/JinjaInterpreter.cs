using System.Text;

namespace ReasonFlux.Tokenizers.Templates;

/// <summary>
/// Renders a parsed template. Scoping follows Jinja2: each for-loop iteration gets a fresh scope (so
/// {% set %} inside a loop does not leak out, which is why templates use namespace()), if-blocks share
/// their parent's scope.
/// </summary>
internal sealed class JinjaInterpreter
{
    private const int MaxOutputChars = 64 * 1024 * 1024;

    private enum Flow { Normal, Break, Continue }

    private sealed class Frame(Frame? parent)
    {
        public Frame? Parent { get; } = parent;
        public Dictionary<string, object?> Vars { get; } = new(StringComparer.Ordinal);

        public bool TryLookup(string name, out object? value)
        {
            for (var f = this; f is not null; f = f.Parent)
                if (f.Vars.TryGetValue(name, out value)) return true;
            value = null;
            return false;
        }
    }

    private readonly StringBuilder _out = new();
    private readonly JinjaBudget _budget = new();

    public static string Render(List<Node> template, IReadOnlyDictionary<string, object?> variables)
    {
        var interpreter = new JinjaInterpreter();
        var globals = new Frame(null);
        foreach (var (k, v) in Globals) globals.Vars[k] = v;
        var root = new Frame(globals);
        foreach (var (k, v) in variables) root.Vars[k] = v;
        Flow flow;
        try
        {
            flow = interpreter.Execute(template, root);
        }
        catch (JinjaRuntimeError e)
        {
            // Raised outside any expression (a statement's step or depth check): no finer position is known.
            throw new JinjaException(e.Message, 1, 1);
        }
        if (flow != Flow.Normal) throw new JinjaException($"'{(flow == Flow.Break ? "break" : "continue")}' outside of a for loop", 1, 1);
        return interpreter._out.ToString();
    }

    private static readonly Dictionary<string, object?> Globals = new()
    {
        ["namespace"] = new JinjaFunction("namespace", (args, kwargs) =>
        {
            var ns = new JinjaNamespace();
            foreach (var a in args)
            {
                if (a is not JinjaDict d) throw new JinjaRuntimeError("namespace() positional arguments must be dicts");
                foreach (var kv in d) ns.Attributes[Py.Str(kv.Key)] = kv.Value;
            }
            foreach (var (k, v) in kwargs) ns.Attributes[k] = v;
            return ns;
        }),
        ["raise_exception"] = new JinjaFunction("raise_exception", (args, _) =>
            throw new JinjaRuntimeError("raise_exception: " + (args.Count > 0 ? Py.Str(args[0]) : ""))),
        ["range"] = new JinjaFunction("range", (args, _) =>
        {
            if (args.Count is < 1 or > 3) throw new JinjaRuntimeError("range() takes 1 to 3 arguments");
            long start = args.Count == 1 ? 0 : Py.ToLong(args[0]);
            long stop = Py.ToLong(args.Count == 1 ? args[0] : args[1]);
            long step = args.Count == 3 ? Py.ToLong(args[2]) : 1;
            if (step == 0) throw new JinjaRuntimeError("range() arg 3 must not be zero");
            var list = new List<object?>();
            for (long i = start; step > 0 ? i < stop : i > stop; i += step)
            {
                list.Add(i);
                if (list.Count > 1_000_000) throw new JinjaRuntimeError("range() too large");
                if (step > 0 ? i > long.MaxValue - step : i < long.MinValue - step) break;
            }
            return list;
        }),
        ["dict"] = new JinjaFunction("dict", (args, kwargs) =>
        {
            var d = new JinjaDict();
            foreach (var a in args)
            {
                if (a is not JinjaDict src) throw new JinjaRuntimeError("dict() positional argument must be a dict");
                foreach (var kv in src) d.Set(kv.Key, kv.Value);
            }
            foreach (var (k, v) in kwargs) d.Set(k, v);
            return d;
        }),
    };

    private Flow Execute(List<Node> nodes, Frame frame)
    {
        foreach (var node in nodes)
        {
            Flow flow;
            try
            {
                _budget.Enter();
                _budget.Step();
                flow = ExecuteNode(node, frame);
            }
            catch (JinjaRuntimeError e)
            {
                throw new JinjaException(e.Message, node.Line, node.Column);
            }
            finally
            {
                _budget.Exit();
            }
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    private Flow ExecuteNode(Node node, Frame frame)
    {
        switch (node)
        {
            case TextNode t:
                Append(t.Text, t);
                return Flow.Normal;
            case OutputNode o:
                Append(Py.Str(Evaluate(o.Value, frame)), o);
                return Flow.Normal;
            case IfNode i:
                foreach (var (test, body) in i.Branches)
                    if (Py.Truthy(Evaluate(test, frame))) return Execute(body, frame);
                return i.Else is null ? Flow.Normal : Execute(i.Else, frame);
            case ForNode f:
                return ExecuteFor(f, frame);
            case SetNode s:
                ExecuteSet(s, frame);
                return Flow.Normal;
            case BreakNode:
                return Flow.Break;
            case ContinueNode:
                return Flow.Continue;
            default:
                throw new JinjaException($"cannot execute {node.GetType().Name}", node.Line, node.Column);
        }
    }

    private void Append(string text, Node at)
    {
        _out.Append(text);
        if (_out.Length > MaxOutputChars) throw new JinjaException($"rendered output exceeds {MaxOutputChars} characters", at.Line, at.Column);
    }

    private Flow ExecuteFor(ForNode f, Frame frame)
    {
        var iterable = Evaluate(f.Iterable, frame);
        List<object?> items;
        try
        {
            items = Py.Iterate(iterable);
        }
        catch (JinjaRuntimeError e)
        {
            throw new JinjaException(e.Message, f.Iterable.Line, f.Iterable.Column);
        }
        _budget.Charge(items.Count);
        if (f.Filter is not null)
        {
            var kept = new List<object?>();
            foreach (var item in items)
            {
                _budget.Step();
                var probe = new Frame(frame);
                Bind(f, probe, item);
                if (Py.Truthy(Evaluate(f.Filter, probe))) kept.Add(item);
            }
            items = kept;
        }
        if (items.Count == 0) return f.Else is null ? Flow.Normal : Execute(f.Else, frame);

        for (int i = 0; i < items.Count; i++)
        {
            _budget.Step();
            var scope = new Frame(frame);
            Bind(f, scope, items[i]);
            scope.Vars["loop"] = new LoopContext(items, i);
            var flow = Execute(f.Body, scope);
            if (flow == Flow.Break) break;
        }
        return Flow.Normal;
    }

    private static void Bind(ForNode f, Frame scope, object? item)
    {
        if (f.Targets.Count == 1)
        {
            scope.Vars[f.Targets[0]] = item;
            return;
        }
        var parts = Py.AsSequence(item);
        if (parts is null || parts.Count != f.Targets.Count)
            throw new JinjaException($"cannot unpack {Py.TypeName(item)} into {f.Targets.Count} loop variables", f.Line, f.Column);
        for (int k = 0; k < parts.Count; k++) scope.Vars[f.Targets[k]] = parts[k];
    }

    private void ExecuteSet(SetNode s, Frame frame)
    {
        object? value;
        if (s.Body is not null)
        {
            int mark = _out.Length;
            var flow = Execute(s.Body, frame);
            if (flow != Flow.Normal) throw new JinjaException("break/continue inside {% set %} block", s.Line, s.Column);
            JinjaLimits.CheckLength(_out.Length - mark, "{% set %} block");
            _budget.Charge(_out.Length - mark);
            value = _out.ToString(mark, _out.Length - mark);
            _out.Length = mark;
        }
        else value = Evaluate(s.Value!, frame);

        if (s.Targets.Count == 1)
        {
            Assign(s.Targets[0], value, frame);
            return;
        }
        var parts = Py.AsSequence(value) ?? (value is string str ? Py.CodePoints(str).Cast<object?>().ToList() : null);
        if (parts is null || parts.Count != s.Targets.Count)
            throw new JinjaException($"cannot unpack {Py.TypeName(value)} into {s.Targets.Count} names", s.Line, s.Column);
        for (int k = 0; k < parts.Count; k++) Assign(s.Targets[k], parts[k], frame);
    }

    private void Assign(Expr target, object? value, Frame frame)
    {
        switch (target)
        {
            case NameExpr n:
                frame.Vars[n.Name] = value;
                return;
            case AttrExpr { Target: NameExpr owner } a:
                if (!frame.TryLookup(owner.Name, out var obj) || obj is not JinjaNamespace ns)
                    throw new JinjaException($"cannot assign attribute on non-namespace object '{owner.Name}'", a.Line, a.Column);
                ns.Attributes[a.Name] = value;
                return;
            default:
                throw new JinjaException("invalid assignment target", target.Line, target.Column);
        }
    }

    private object? Evaluate(Expr e, Frame frame)
    {
        try
        {
            _budget.Enter();
            _budget.Step();
            var value = EvaluateCore(e, frame);
            if (BuildsValue(e))
            {
                JinjaLimits.CheckValue(value, "an expression");
                _budget.Charge(JinjaBudget.SizeOf(value));
            }
            return value;
        }
        catch (JinjaRuntimeError err)
        {
            throw new JinjaException(err.Message, e.Line, e.Column);
        }
        finally
        {
            _budget.Exit();
        }
    }

    /// <summary>Expressions whose result is a new value (names, literals and item access return existing ones).</summary>
    private static bool BuildsValue(Expr e) => e is BinaryExpr or FilterExpr or CallExpr or ListExpr or DictExpr or SliceExpr;

    /// <summary>Charges the inputs an operation scans: work on a big string repeated in a loop is bounded too.</summary>
    private void ChargeInputs(object? value, List<object?> args)
    {
        long units = JinjaBudget.SizeOf(value);
        foreach (var a in args) units += JinjaBudget.SizeOf(a);
        _budget.Charge(units);
    }

    private object? EvaluateCore(Expr e, Frame frame)
    {
        switch (e)
        {
            case LiteralExpr l:
                return l.Value;
            case NameExpr n:
                return frame.TryLookup(n.Name, out var v) ? v : Undefined.Name(n.Name);
            case ListExpr list:
            {
                var items = list.Items.Select(x => Evaluate(x, frame)).ToList();
                return list.IsTuple ? new JinjaTuple(items) : items;
            }
            case DictExpr dict:
            {
                var d = new JinjaDict();
                foreach (var (k, val) in dict.Items)
                {
                    var key = Evaluate(k, frame);
                    if (key is Undefined u) throw u.Fail();
                    if (key is null or List<object?> or JinjaDict) throw new JinjaRuntimeError($"unhashable dict key of type '{Py.TypeName(key)}'");
                    d.Set(key, Evaluate(val, frame));
                }
                return d;
            }
            case AttrExpr a:
            {
                var target = Evaluate(a.Target, frame);
                var attr = JinjaOperators.GetAttr(target, a.Name);
                // A bound string method scans its string when called.
                if (attr is JinjaFunction) _budget.Charge(JinjaBudget.SizeOf(target));
                return attr;
            }
            case ItemExpr i:
            {
                var target = Evaluate(i.Target, frame);
                if (target is string str) _budget.Charge(str.Length);
                return JinjaOperators.GetItem(target, Evaluate(i.Index, frame));
            }
            case SliceExpr s:
            {
                var target = Evaluate(s.Target, frame);
                _budget.Charge(JinjaBudget.SizeOf(target));
                return JinjaOperators.Slice(target,
                    s.Start is null ? null : Evaluate(s.Start, frame),
                    s.Stop is null ? null : Evaluate(s.Stop, frame),
                    s.Step is null ? null : Evaluate(s.Step, frame));
            }
            case CallExpr c:
            {
                var callee = Evaluate(c.Callee, frame);
                var args = c.Args.Select(x => Evaluate(x, frame)).ToList();
                var kwargs = c.Kwargs.Select(x => (x.Name, Evaluate(x.Value, frame))).ToList();
                ChargeInputs(null, args);
                return callee switch
                {
                    JinjaFunction f => f.Invoke(args, kwargs),
                    Undefined u => throw u.Fail(),
                    _ => throw new JinjaRuntimeError($"'{Py.TypeName(callee)}' object is not callable"),
                };
            }
            case FilterExpr f:
            {
                var value = Evaluate(f.Value, frame);
                var args = f.Args.Select(x => Evaluate(x, frame)).ToList();
                var kwargs = f.Kwargs.Select(x => (x.Name, Evaluate(x.Value, frame))).ToList();
                ChargeInputs(value, args);
                return JinjaFilters.Apply(f.Name, value, args, kwargs);
            }
            case TestExpr t:
            {
                var value = Evaluate(t.Value, frame);
                var args = t.Args.Select(x => Evaluate(x, frame)).ToList();
                return JinjaTests.Apply(t.Name, value, args) != t.Negated;
            }
            case UnaryExpr u:
            {
                var operand = Evaluate(u.Operand, frame);
                if (u.Op == "not") return !Py.Truthy(operand);
                if (operand is Undefined und) throw und.Fail();
                if (!Py.IsNumber(operand)) throw new JinjaRuntimeError($"bad operand type for unary {u.Op}: '{Py.TypeName(operand)}'");
                if (u.Op == "+") return operand is bool b ? (b ? 1L : 0L) : operand;
                return operand is double d ? (object)(-d) : -Py.ToLong(operand);
            }
            case BinaryExpr b:
                switch (b.Op)
                {
                    case "and":
                    {
                        var left = Evaluate(b.Left, frame);
                        return Py.Truthy(left) ? Evaluate(b.Right, frame) : left;
                    }
                    case "or":
                    {
                        var left = Evaluate(b.Left, frame);
                        return Py.Truthy(left) ? left : Evaluate(b.Right, frame);
                    }
                    case "~":
                    {
                        string left = Py.Str(Evaluate(b.Left, frame)), right = Py.Str(Evaluate(b.Right, frame));
                        JinjaLimits.CheckLength((long)left.Length + right.Length, "'~' concatenation");
                        return left + right;
                    }
                    default:
                        return JinjaOperators.Binary(b.Op, Evaluate(b.Left, frame), Evaluate(b.Right, frame));
                }
            case CompareExpr c:
            {
                var left = Evaluate(c.First, frame);
                foreach (var (op, operandExpr) in c.Rest)
                {
                    var right = Evaluate(operandExpr, frame);
                    _budget.Charge(JinjaBudget.SizeOf(left) + JinjaBudget.SizeOf(right));
                    bool ok = op switch
                    {
                        "==" => Py.Equals(left, right),
                        "!=" => !Py.Equals(left, right),
                        "<" => Py.Compare(left, right, op) < 0,
                        "<=" => Py.Compare(left, right, op) <= 0,
                        ">" => Py.Compare(left, right, op) > 0,
                        ">=" => Py.Compare(left, right, op) >= 0,
                        "in" => JinjaOperators.Contains(right, left),
                        "not in" => !JinjaOperators.Contains(right, left),
                        _ => throw new JinjaRuntimeError($"unknown comparison '{op}'"),
                    };
                    if (!ok) return false;
                    left = right;
                }
                return true;
            }
            case CondExpr c:
                if (Py.Truthy(Evaluate(c.Test, frame))) return Evaluate(c.Then, frame);
                return c.Else is null
                    ? new Undefined("the inline if-expression evaluated to false and no else section was defined")
                    : Evaluate(c.Else, frame);
        }
        throw new JinjaRuntimeError($"cannot evaluate {e.GetType().Name}");
    }
}
