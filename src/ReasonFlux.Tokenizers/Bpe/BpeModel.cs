using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace ReasonFlux.Tokenizers.Bpe;

/// <summary>
/// Byte-level BPE: a piece's UTF-8 bytes start as one symbol each and adjacent pairs merge by rank with the
/// priority-queue loop of HF tokenizers' word.rs (pop the lowest (rank, position); skip stale entries).
/// Results are cached per piece. Thread-safe for concurrent encoding.
/// </summary>
internal sealed class BpeModel
{
    private const int MaxCachedPieceLength = 256;
    private const int CacheCapacity = 100_000;

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabBySpan;
    private readonly Dictionary<long, MergeValue> _merges;
    private readonly int[] _byteIds = new int[256];
    private readonly bool _ignoreMerges;
    private readonly ConcurrentDictionary<string, int[]> _cache = new();
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheBySpan;
    private int _cacheCount;

    [ThreadStatic] private static MergeWorkspace? t_workspace;

    private readonly record struct MergeValue(int Rank, int NewId);

    public BpeModel(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges, bool ignoreMerges, string source)
    {
        _vocab = vocab;
        _vocabBySpan = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _cacheBySpan = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        _ignoreMerges = ignoreMerges;

        _merges = new Dictionary<long, MergeValue>(merges.Count, PairKeyComparer.Instance);
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            int leftId = LookupMergePart(left, rank, left, right, source);
            int rightId = LookupMergePart(right, rank, left, right, source);
            int newId = LookupMergePart(left + right, rank, left, right, source);
            // A duplicated pair keeps its last rank: HF collects the merges into a HashMap in order.
            _merges[PairKey(leftId, rightId)] = new MergeValue(rank, newId);
        }

        for (int b = 0; b < 256; b++)
        {
            string s = ByteLevelAlphabet.ByteToChar((byte)b).ToString();
            if (!vocab.TryGetValue(s, out _byteIds[b]))
                throw new InvalidDataException($"{source}: model.vocab lacks the byte-level token \"{s}\" for byte 0x{b:X2}; a ByteLevel BPE vocabulary needs all 256");
        }

        IdToToken = new string[vocab.Count == 0 ? 0 : vocab.Values.Max() + 1];
        foreach (var (token, id) in vocab) IdToToken[id] = token;
    }

    /// <summary>Model tokens by id (null where an id has no vocab entry).</summary>
    public string?[] IdToToken { get; }

    public int MergeCount => _merges.Count;

    public bool TryGetId(ReadOnlySpan<char> token, out int id) => _vocabBySpan.TryGetValue(token, out id);

    public IReadOnlyDictionary<string, int> Vocab => _vocab;

    private int LookupMergePart(string token, int rank, string left, string right, string source)
    {
        if (_vocab.TryGetValue(token, out int id)) return id;
        throw new InvalidDataException(
            $"{source}: model.merges[{rank}] (\"{left}\" \"{right}\") references \"{token}\", which is not in model.vocab");
    }

    private static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>Appends the ids of one pre-tokenized piece.</summary>
    public void EncodePiece(ReadOnlySpan<char> piece, List<int> output)
    {
        bool cacheable = piece.Length <= MaxCachedPieceLength;
        if (cacheable && _cacheBySpan.TryGetValue(piece, out var cached))
        {
            output.AddRange(cached);
            return;
        }

        int maxBytes = Encoding.UTF8.GetMaxByteCount(piece.Length);
        byte[]? rented = null;
        Span<byte> bytes = maxBytes <= 1024 ? stackalloc byte[maxBytes] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            int byteCount = Encoding.UTF8.GetBytes(piece, bytes);
            int[] ids = EncodeBytes(bytes[..byteCount]);
            output.AddRange(ids);
            if (cacheable) AddToCache(piece, ids);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Empties the per-piece cache (benchmarks measure cache-cold encoding with it).</summary>
    public void ClearCache()
    {
        _cache.Clear();
        Interlocked.Exchange(ref _cacheCount, 0);
    }

    private void AddToCache(ReadOnlySpan<char> piece, int[] ids)
    {
        // Bounded without eviction bookkeeping: when full, start over. Hot pieces come back within a few calls.
        if (Interlocked.Increment(ref _cacheCount) > CacheCapacity)
        {
            _cache.Clear();
            Interlocked.Exchange(ref _cacheCount, 0);
        }
        _cacheBySpan.TryAdd(piece, ids);
    }

    private int[] EncodeBytes(ReadOnlySpan<byte> bytes)
    {
        if (_ignoreMerges && bytes.Length > 1)
        {
            Span<char> mapped = bytes.Length <= 512 ? stackalloc char[bytes.Length] : new char[bytes.Length];
            for (int i = 0; i < bytes.Length; i++) mapped[i] = ByteLevelAlphabet.ByteToChar(bytes[i]);
            if (_vocabBySpan.TryGetValue(mapped, out int whole)) return [whole];
        }

        var ws = t_workspace ??= new MergeWorkspace();
        ws.Reset(bytes.Length);
        int n = bytes.Length;
        var ids = ws.Ids;
        var prev = ws.Prev;
        var next = ws.Next;
        for (int i = 0; i < n; i++)
        {
            ids[i] = _byteIds[bytes[i]];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        for (int i = 0; i + 1 < n; i++)
        {
            if (_merges.TryGetValue(PairKey(ids[i], ids[i + 1]), out var m)) ws.Push(m.Rank, i, m.NewId);
        }

        int remaining = n;
        while (ws.TryPop(out int pos, out int newId))
        {
            int right = next[pos];
            if (ids[pos] < 0 || right < 0) continue;
            if (!_merges.TryGetValue(PairKey(ids[pos], ids[right]), out var current) || current.NewId != newId) continue;

            ids[pos] = newId;
            ids[right] = -1;
            int after = next[right];
            next[pos] = after;
            if (after >= 0) prev[after] = pos;
            remaining--;

            int before = prev[pos];
            if (before >= 0 && _merges.TryGetValue(PairKey(ids[before], newId), out var left)) ws.Push(left.Rank, before, left.NewId);
            if (after >= 0 && _merges.TryGetValue(PairKey(newId, ids[after]), out var rightMerge)) ws.Push(rightMerge.Rank, pos, rightMerge.NewId);
        }

        var result = new int[remaining];
        int k = 0;
        for (int i = 0; i >= 0; i = next[i]) result[k++] = ids[i];
        return result;
    }

    /// <summary>
    /// long's default hash is low ^ high, which for two small ids collides heavily (a ^ b); mix the bits
    /// instead so the 150k-entry merge table keeps short chains.
    /// </summary>
    private sealed class PairKeyComparer : IEqualityComparer<long>
    {
        public static readonly PairKeyComparer Instance = new();

        public bool Equals(long x, long y) => x == y;

        public int GetHashCode(long key)
        {
            ulong h = (ulong)key * 0x9E3779B97F4A7C15UL;
            return (int)(h >> 32) ^ (int)h;
        }
    }

    /// <summary>Per-thread scratch arrays for the merge loop, so a cache miss allocates only its result.</summary>
    private sealed class MergeWorkspace
    {
        public int[] Ids = new int[64];
        public int[] Prev = new int[64];
        public int[] Next = new int[64];
        private long[] _heapKeys = new long[64];
        private int[] _heapIds = new int[64];
        private int _heapCount;

        public void Reset(int n)
        {
            if (Ids.Length < n)
            {
                int size = Math.Max(n, Ids.Length * 2);
                Ids = new int[size];
                Prev = new int[size];
                Next = new int[size];
            }
            _heapCount = 0;
        }

        // Ordered by (rank, position), the order of HF's Merge struct.
        public void Push(int rank, int pos, int newId)
        {
            if (_heapCount == _heapKeys.Length)
            {
                Array.Resize(ref _heapKeys, _heapCount * 2);
                Array.Resize(ref _heapIds, _heapCount * 2);
            }
            long key = ((long)rank << 32) | (uint)pos;
            int i = _heapCount++;
            while (i > 0)
            {
                int parent = (i - 1) >> 1;
                if (_heapKeys[parent] <= key) break;
                _heapKeys[i] = _heapKeys[parent];
                _heapIds[i] = _heapIds[parent];
                i = parent;
            }
            _heapKeys[i] = key;
            _heapIds[i] = newId;
        }

        public bool TryPop(out int pos, out int newId)
        {
            if (_heapCount == 0)
            {
                pos = newId = 0;
                return false;
            }
            pos = (int)(uint)_heapKeys[0];
            newId = _heapIds[0];
            int last = --_heapCount;
            if (last > 0)
            {
                long key = _heapKeys[last];
                int id = _heapIds[last];
                int i = 0;
                while (true)
                {
                    int child = 2 * i + 1;
                    if (child >= last) break;
                    if (child + 1 < last && _heapKeys[child + 1] < _heapKeys[child]) child++;
                    if (_heapKeys[child] >= key) break;
                    _heapKeys[i] = _heapKeys[child];
                    _heapIds[i] = _heapIds[child];
                    i = child;
                }
                _heapKeys[i] = key;
                _heapIds[i] = id;
            }
            return true;
        }
    }
}
