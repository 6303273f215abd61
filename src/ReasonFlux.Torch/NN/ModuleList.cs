namespace ReasonFlux.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>Submodules named "0", "1", … (Hugging Face's "layers.N" keys).</summary>
        public sealed class ModuleList<T> : Module where T : Module
        {
            private readonly List<T> _items = [];

            public ModuleList(IEnumerable<T> items)
            {
                foreach (var m in items) Add(m);
            }

            public void Add(T module)
            {
                RegisterModule(_items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
                _items.Add(module);
            }

            public int Count => _items.Count;

            public T this[int index] => _items[index];

            public IReadOnlyList<T> Items => _items;
        }
    }
}
