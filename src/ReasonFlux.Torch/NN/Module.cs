namespace ReasonFlux.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>
        /// A module with named parameters and submodules. Names compose with dots exactly as Hugging Face keys do
        /// ("model.layers.0.self_attn.q_proj.weight"), so state_dict() maps 1:1 onto checkpoint files.
        /// A module owns its parameters (they belong to no dispose scope) and disposes them with itself;
        /// a parameter shared with another module (tied embeddings) is one tensor, listed once.
        /// </summary>
        public abstract class Module : IDisposable
        {
            private readonly List<(string Name, Tensor Tensor, bool Owned)> _parameters = [];
            private readonly List<(string Name, Module Module)> _modules = [];
            private bool _disposed;

            /// <summary>Registers a tensor this module owns as a trainable parameter.</summary>
            protected Tensor RegisterParameter(string name, Tensor tensor, bool requiresGrad = true)
            {
                CheckName(name);
                tensor.DetachFromDisposeScope();
                if (requiresGrad) tensor.requires_grad = true;
                _parameters.Add((name, tensor, true));
                return tensor;
            }

            /// <summary>Registers a parameter owned by another module (weight tying): never disposed here, listed once.</summary>
            protected Tensor RegisterSharedParameter(string name, Tensor tensor)
            {
                CheckName(name);
                _parameters.Add((name, tensor, false));
                return tensor;
            }

            protected T RegisterModule<T>(string name, T module) where T : Module
            {
                CheckName(name);
                _modules.Add((name, module));
                return module;
            }

            private void CheckName(string name)
            {
                if (string.IsNullOrEmpty(name) || name.Contains('.')) throw new ArgumentException($"invalid parameter/module name \"{name}\"");
                if (_parameters.Any(p => p.Name == name) || _modules.Any(m => m.Name == name))
                    throw new ArgumentException($"\"{name}\" is already registered on {GetType().Name}");
            }

            /// <summary>Every parameter with its full dotted name; a shared tensor appears once, under its first name.</summary>
            public IEnumerable<(string Name, Tensor Parameter)> named_parameters()
            {
                var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
                foreach (var (name, t) in AllParameters(""))
                    if (seen.Add(t)) yield return (name, t);
            }

            public IEnumerable<Tensor> parameters() => named_parameters().Select(p => p.Parameter);

            /// <summary>All names including aliases of shared tensors (what a checkpoint with untied weights would hold).</summary>
            public IEnumerable<(string Name, Tensor Parameter)> named_parameters_with_aliases() => AllParameters("");

            private IEnumerable<(string, Tensor)> AllParameters(string prefix)
            {
                foreach (var (name, t, _) in _parameters) yield return (prefix + name, t);
                foreach (var (name, m) in _modules)
                    foreach (var p in m.AllParameters(prefix + name + "."))
                        yield return p;
            }

            public IEnumerable<(string Name, Module Module)> named_modules()
            {
                foreach (var (name, m) in _modules)
                {
                    yield return (name, m);
                    foreach (var (sub, sm) in m.named_modules()) yield return (name + "." + sub, sm);
                }
            }

            /// <summary>Name → parameter, shared tensors once (what gets saved).</summary>
            public Dictionary<string, Tensor> state_dict() => named_parameters().ToDictionary(p => p.Name, p => p.Parameter);

            /// <summary>
            /// Copies tensors into the parameters under no_grad, converting dtype/device. Shapes must match exactly
            /// (copy_ would broadcast silently). With strict, missing and unexpected keys are errors that name them.
            /// </summary>
            public void load_state_dict(IReadOnlyDictionary<string, Tensor> source, bool strict = true)
            {
                var targets = named_parameters_with_aliases().ToList();
                if (strict)
                {
                    var missing = targets.Where(t => !source.ContainsKey(t.Name) && !IsAliasCovered(t, source, targets)).Select(t => t.Name).ToList();
                    var known = targets.Select(t => t.Name).ToHashSet();
                    var unexpected = source.Keys.Where(k => !known.Contains(k)).ToList();
                    if (missing.Count > 0 || unexpected.Count > 0)
                        throw new InvalidDataException(
                            $"state dict mismatch for {GetType().Name}: missing [{string.Join(", ", missing)}]; unexpected [{string.Join(", ", unexpected)}]");
                }
                using var _ = no_grad();
                foreach (var (name, target) in targets)
                {
                    if (!source.TryGetValue(name, out var value)) continue;
                    var want = target.shape;
                    var have = value.shape;
                    if (!want.SequenceEqual(have))
                        throw new InvalidDataException($"tensor \"{name}\": shape [{string.Join(", ", have)}] does not match the model's [{string.Join(", ", want)}]");
                    target.copy_(value);
                }
            }

            private static bool IsAliasCovered((string Name, Tensor Parameter) t, IReadOnlyDictionary<string, Tensor> source, List<(string Name, Tensor Parameter)> all) =>
                all.Any(o => ReferenceEquals(o.Parameter, t.Parameter) && source.ContainsKey(o.Name));

            /// <summary>Turns gradient tracking of every parameter on or off (off for frozen reference and reward models).</summary>
            public Module requires_grad_(bool value = true)
            {
                foreach (var p in parameters()) p.requires_grad = value;
                return this;
            }

            /// <summary>Clears every parameter's gradient (set to none: the memory is freed).</summary>
            public void zero_grad()
            {
                foreach (var p in parameters()) p.grad = null;
            }

            public long parameter_count() => parameters().Sum(p => p.numel());

            public void Dispose()
            {
                if (_disposed) return;
                _disposed = true;
                foreach (var (_, m) in _modules) m.Dispose();
                foreach (var (_, t, owned) in _parameters)
                    if (owned) t.Dispose();
                GC.SuppressFinalize(this);
            }
        }
    }
}
