using ReasonFlux.Grading.Numerics;
using ReasonFlux.Grading.Parsing;

namespace ReasonFlux.Grading.Equivalence;

/// <summary>Tree walks used by the comparer: free symbols, written precision, ± expansion, rebuilding.</summary>
internal static class NodeOps
{
    public static void CollectSymbols(MathNode node, HashSet<string> into)
    {
        if (node is SymbolNode s) { into.Add(s.Name); return; }
        foreach (var c in node.Children) CollectSymbols(c, into);
    }

    public static bool Contains<T>(MathNode node) where T : MathNode
    {
        if (node is T) return true;
        foreach (var c in node.Children) if (Contains<T>(c)) return true;
        return false;
    }

    /// <summary>Fewest decimal places among decimal literals (null when every literal is exact).</summary>
    public static int? Decimals(MathNode node)
    {
        int? best = null;
        Walk(node, n =>
        {
            if (n is NumberNode { Decimals: int d }) best = best is null ? d : Math.Min(best.Value, d);
        });
        return best;
    }

    /// <summary>Fewest significant digits among decimal literals.</summary>
    public static int SignificantDigits(MathNode node)
    {
        int best = int.MaxValue;
        Walk(node, n =>
        {
            if (n is NumberNode { Decimals: not null } num) best = Math.Min(best, num.SignificantDigits);
        });
        return best;
    }

    /// <summary>True when a root, logarithm or fractional power is applied to something with variables:
    /// such identities hold on the positive reals but not everywhere (√x√y = √(xy)).</summary>
    public static bool HasDomainRestriction(MathNode node)
    {
        bool found = false;
        Walk(node, n =>
        {
            if (found) return;
            switch (n)
            {
                case FuncNode f when f.Name is "sqrt" or "root" or "log" or "ln" or "arcsin" or "arccos"
                                     && f.Args.Count > 0 && Contains<SymbolNode>(f.Args[0]):
                    found = true;
                    break;
                case PowNode p when Contains<SymbolNode>(p.Base) && !(p.Exponent is NumberNode { Decimals: null } e && e.Value.IsInteger):
                    found = true;
                    break;
            }
        });
        return found;
    }

    public static void Walk(MathNode node, Action<MathNode> visit)
    {
        visit(node);
        foreach (var c in node.Children) Walk(c, visit);
    }

    /// <summary>Rebuilds <paramref name="node"/> with new children (same order as <see cref="MathNode.Children"/>).</summary>
    public static MathNode WithChildren(MathNode node, IReadOnlyList<MathNode> c) => node switch
    {
        AddNode => NodeFactory.Sum(c),
        MulNode => NodeFactory.Product(c),
        PowNode => new PowNode(c[0], c[1]),
        FuncNode f => new FuncNode(f.Name, c),
        PlusMinusNode pm => pm.Left is null ? new PlusMinusNode(null, c[0], pm.MinusPlus) : new PlusMinusNode(c[0], c[1], pm.MinusPlus),
        RelationNode r => new RelationNode(c, r.Ops),
        SequenceNode s => new SequenceNode(s.Kind, c),
        IntervalNode i => new IntervalNode(i.LowClosed, c[0], c[1], i.HighClosed),
        UnionNode => new UnionNode(c),
        MatrixNode m => new MatrixNode(m.Rows, m.Columns, c),
        _ => node,
    };

    /// <summary>All sign choices of every ± in the tree (at most <paramref name="limit"/>).</summary>
    public static List<MathNode> ExpandPlusMinus(MathNode node, int limit = 16)
    {
        if (!Contains<PlusMinusNode>(node)) return [node];
        if (node is PlusMinusNode pm)
        {
            var lefts = pm.Left is null ? [null!] : ExpandPlusMinus(pm.Left, limit);
            var rights = ExpandPlusMinus(pm.Right, limit);
            var result = new List<MathNode>();
            foreach (var sign in pm.MinusPlus ? new[] { -1, 1 } : [1, -1])
            {
                foreach (var l in lefts)
                {
                    foreach (var r in rights)
                    {
                        var term = sign > 0 ? r : NodeFactory.Negate(r);
                        result.Add(l is null ? term : NodeFactory.Sum([l, term]));
                        if (result.Count >= limit) return result;
                    }
                }
            }
            return result;
        }
        var children = node.Children.ToList();
        var combos = new List<List<MathNode>> { new() };
        foreach (var child in children)
        {
            var variants = ExpandPlusMinus(child, limit);
            var next = new List<List<MathNode>>();
            foreach (var combo in combos)
            {
                foreach (var v in variants)
                {
                    next.Add([.. combo, v]);
                    if (next.Count >= limit) break;
                }
                if (next.Count >= limit) break;
            }
            combos = next;
        }
        return combos.Select(c => WithChildren(node, c)).ToList();
    }

    /// <summary>Multiplies a scalar (or every entry of a container) by a rational: used for percent readings.</summary>
    public static MathNode Scale(MathNode node, BigRational factor) => node switch
    {
        RelationNode r => new RelationNode([r.Operands[0], .. r.Operands.Skip(1).Select(c => Scale(c, factor))], r.Ops),
        SequenceNode or IntervalNode or UnionNode or MatrixNode
            => WithChildren(node, node.Children.Select(c => Scale(c, factor)).ToList()),
        TextNode or BaseNumberNode or EllipsisNode => node,
        NumberNode n => new NumberNode(n.Value * factor, n.Decimals is int d ? d + 2 : null, n.SignificantDigits),
        _ => NodeFactory.Product([node, new NumberNode(factor)]),
    };
}
