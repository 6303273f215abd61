using System.Reflection;
using System.Reflection.Emit;
using ReasonFlux.Recipes;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Training.Tests;

/// <summary>
/// "An option the recipe accepts always has its effect": every key of recipes/REFERENCE.md must be read by code
/// outside ReasonFlux.Recipes (the binder fills the records by reflection, and validation alone is no effect).
/// The check reads the IL of every method of the ReasonFlux assemblies the CLI loads and collects the option
/// property getters they call, following computed properties of the records (GlobalBatch reads
/// micro_batch_size and grad_accumulation) to what they read.
/// </summary>
public class OptionUsageTests
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    // Methods called (call, callvirt, newobj, ldftn) by one method body.
    private static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        byte[]? il;
        try { il = method.GetMethodBody()?.GetILAsByteArray(); }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or BadImageFormatException) { yield break; }
        if (il is null) yield break;
        var typeArgs = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int pc = 0;
        while (pc < il.Length)
        {
            short value = il[pc] == 0xFE ? (short)(0xFE00 | il[pc + 1]) : il[pc];
            pc += il[pc] == 0xFE ? 2 : 1;
            var op = OpCodesByValue[value];
            int size = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, pc),
                _ => 4,
            };
            if (op.OperandType == OperandType.InlineMethod)
            {
                MethodBase? callee = null;
                try { callee = method.Module.ResolveMethod(BitConverter.ToInt32(il, pc), typeArgs, methodArgs); }
                catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException) { }
                if (callee is not null) yield return callee;
            }
            pc += size;
        }
    }

    private static IEnumerable<MethodBase> Methods(Type t) =>
        t.GetMethods(All).Cast<MethodBase>().Concat(t.GetConstructors(All));

    // Getters compared by definition: a PropertyInfo reflected through a derived record is another MethodInfo object.
    private static (Module, int) Id(MethodInfo m) => (m.Module, m.MetadataToken);

    // Free text kept with the run (recipe.yaml is copied into the run folder) and nothing else, by design.
    private static readonly HashSet<string> DocumentationOnly = ["description"];

    private static HashSet<(Module, int)> ReadGetters()
    {
        var recipes = typeof(StageOptions).Assembly;
        // Every ReasonFlux assembly the CLI references, directly or not.
        var assemblies = new HashSet<Assembly>();
        var pending = new Stack<Assembly>([typeof(Cli.Commands.LogprobsCommand).Assembly]);
        while (pending.TryPop(out var a))
        {
            if (!assemblies.Add(a)) continue;
            foreach (var r in a.GetReferencedAssemblies().Where(r => r.Name!.StartsWith("ReasonFlux.", StringComparison.Ordinal)))
                pending.Push(Assembly.Load(r));
        }
        var read = new HashSet<(Module, int)>();
        var work = new Stack<MethodInfo>();
        void Add(MethodBase m)
        {
            if (m is MethodInfo { IsSpecialName: true } g && g.Name.StartsWith("get_", StringComparison.Ordinal) && g.DeclaringType?.Assembly == recipes && read.Add(Id(g)))
                work.Push(g);
        }
        foreach (var a in assemblies.Where(a => a != recipes))
            foreach (var t in a.GetTypes())
                foreach (var m in Methods(t))
                    foreach (var c in Callees(m)) Add(c);
        // A computed record property read elsewhere reads what its getter reads.
        while (work.TryPop(out var g))
            foreach (var c in Callees(g)) Add(c);
        return read;
    }

    // Every leaf key of a record: (dotted key, property).
    private static IEnumerable<(string Key, PropertyInfo Property)> Keys(Type type, string prefix)
    {
        foreach (var p in SchemaProperty.For(type))
        {
            if (p.Kind == SchemaValueKind.Section) foreach (var k in Keys(p.ValueType, prefix + p.Name + ".")) yield return k;
            else yield return (prefix + p.Name, p.Property);
        }
    }

    [Fact]
    public void EveryReferenceKey_IsReadByCodeOutsideTheRecipesProject()
    {
        var read = ReadGetters();
        var keys = Keys(typeof(RecipeHeader), "").Concat(Enum.GetValues<StageKind>()
            .SelectMany(k => Keys(StageOptions.TypeOf(k), SchemaNames.EnumName(k) + "."))).ToList();
        Assert.True(keys.Count > 50, $"only {keys.Count} keys found: the walk is broken");
        var reference = File.ReadAllText(Path.Combine(ReasonFlux.Tests.Shared.RepoPaths.Root, "recipes", "REFERENCE.md"));
        var unread = keys.Where(k => !DocumentationOnly.Contains(k.Key) && !read.Contains(Id(k.Property.GetGetMethod(nonPublic: true)!)))
            .Select(k => $"{k.Key} ({k.Property.DeclaringType!.Name}.{k.Property.Name})").Distinct().ToList();
        Assert.True(unread.Count == 0, "options accepted by recipes but read by nothing:\n" + string.Join("\n", unread));
        var headerKeys = Keys(typeof(RecipeHeader), "").Select(k => k.Key).ToHashSet();
        // Stage keys carry their kind as a prefix here, REFERENCE.md lists them per kind; run keys are listed whole.
        Assert.All(keys, k => Assert.Contains($"`{(headerKeys.Contains(k.Key) ? k.Key : k.Key[(k.Key.IndexOf('.') + 1)..])}`", reference));
    }
}
