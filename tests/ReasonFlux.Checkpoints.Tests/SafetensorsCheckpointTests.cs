using System.Text;

namespace ReasonFlux.Checkpoints.Tests;

public sealed class SafetensorsCheckpointTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static List<(string Name, byte[] Bytes)> Layers(int count, int bytesEach)
    {
        var list = new List<(string, byte[])>();
        for (int i = 0; i < count; i++) list.Add(($"model.layers.{i}.mlp.up_proj.weight", TestFiles.Pattern(bytesEach, i + 10)));
        return list;
    }

    private static IEnumerable<TensorWriteSource> Sources(IEnumerable<(string Name, byte[] Bytes)> tensors) =>
        tensors.Select(t => TensorWriteSource.FromBytes(t.Name, DType.BF16, [t.Bytes.Length / 2], t.Bytes));

    [Fact]
    public void WriteCheckpoint_OverMaxShardSize_ShardedRoundTripBitExact()
    {
        var tensors = Layers(10, 1000);
        var result = SafetensorsWriter.WriteCheckpoint(_dir.Path, Sources(tensors), new SafetensorsWriteOptions { MaxShardSize = 2500 });
        // HF's split: 2 tensors (2000 bytes) per shard, since a third would make 3000 > 2500.
        Assert.Equal(5, result.Files.Count);
        Assert.Equal(Enumerable.Range(1, 5).Select(i => _dir.File($"model-0000{i}-of-00005.safetensors")), result.Files);
        Assert.Equal(_dir.File(SafetensorsIndex.FileName), result.IndexPath);
        Assert.Equal(10_000, result.TotalSize);
        Assert.False(File.Exists(_dir.File("model.safetensors")));
        Assert.Empty(Directory.EnumerateFiles(_dir.Path, "*.tmp-*"));

        using var ckpt = SafetensorsCheckpoint.Open(_dir.Path);
        Assert.True(ckpt.IsSharded);
        Assert.Equal(5, ckpt.Files.Count);
        Assert.Equal(10_000, ckpt.Index!.TotalSize);
        Assert.Equal(5_000, ckpt.Index.TotalParameters);
        Assert.Equal(10_000, ckpt.TotalByteLength);
        Assert.Equal(tensors.Select(t => t.Name).Order(), ckpt.Names.Order());
        foreach (var (name, bytes) in tensors)
        {
            Assert.True(ckpt.GetBytes(name).SequenceEqual(bytes), name);
            Assert.Equal("pt", ckpt.GetFile(name).Metadata["format"]);
        }
        Assert.Equal("model-00001-of-00005.safetensors", Path.GetFileName(ckpt.GetInfo("model.layers.1.mlp.up_proj.weight").FilePath));
        Assert.Equal("model-00005-of-00005.safetensors", Path.GetFileName(ckpt.GetInfo("model.layers.9.mlp.up_proj.weight").FilePath));
    }

    [Fact]
    public void WriteCheckpoint_IndexText_IsWhatTransformersWrites()
    {
        var result = SafetensorsWriter.WriteCheckpoint(_dir.Path, Sources(Layers(3, 100)), new SafetensorsWriteOptions { MaxShardSize = 100 });
        string expected = SafetensorsWriter.BuildIndexJson(result.WeightMap, 300, 150);
        Assert.Equal(expected, File.ReadAllText(result.IndexPath!));
        Assert.StartsWith("{\n  \"metadata\": {\n    \"total_parameters\": 150,\n    \"total_size\": 300\n  },\n  \"weight_map\": {\n    \"model.layers.0.mlp.up_proj.weight\": \"model-00001-of-00003.safetensors\",", expected);
    }

    [Fact]
    public void BuildIndexJson_MatchesPythonJsonDumpsGolden()
    {
        var weightMap = new Dictionary<string, string>
        {
            ["model.embed_tokens.weight"] = "model-00001-of-00002.safetensors",
            ["model.layers.0.self_attn.q_proj.weight"] = "model-00001-of-00002.safetensors",
            ["model.layers.10.self_attn.q_proj.weight"] = "model-00002-of-00002.safetensors",
            ["model.layers.2.mlp.down_proj.weight"] = "model-00002-of-00002.safetensors",
            ["emb.\u00fc\u00df"] = "model-00002-of-00002.safetensors",
            ["u.\U0001F600"] = "model-00002-of-00002.safetensors",
            ["u.\uE000"] = "model-00002-of-00002.safetensors",
            ["quote\"back\\slash\ttab\u0001\u007f"] = "model-00001-of-00002.safetensors",
        };
        string golden = File.ReadAllText(TestFiles.Golden("index.expected.json"), Encoding.UTF8);
        Assert.Equal(golden, SafetensorsWriter.BuildIndexJson(weightMap, 9876543210, 123456789));
    }

    [Fact]
    public void WriteCheckpoint_OversizedTensor_GetsOwnShardInHfOrder()
    {
        var result = SafetensorsWriter.WriteCheckpoint(_dir.Path,
        [
            TensorWriteSource.FromBytes("a", DType.U8, [100], new byte[100]),
            TensorWriteSource.FromBytes("big", DType.U8, [5000], new byte[5000]),
            TensorWriteSource.FromBytes("c", DType.U8, [100], new byte[100]),
        ], new SafetensorsWriteOptions { MaxShardSize = 1000 });
        Assert.Equal("model-00001-of-00002.safetensors", result.WeightMap["big"]);
        Assert.Equal("model-00002-of-00002.safetensors", result.WeightMap["a"]);
        Assert.Equal("model-00002-of-00002.safetensors", result.WeightMap["c"]);
    }

    [Fact]
    public void WriteCheckpoint_FitsInOneShard_SingleFileNoIndex()
    {
        var tensors = Layers(3, 100);
        var result = SafetensorsWriter.WriteCheckpoint(_dir.Path, Sources(tensors));
        Assert.Null(result.IndexPath);
        Assert.Equal([_dir.File("model.safetensors")], result.Files);
        using var ckpt = SafetensorsCheckpoint.Open(_dir.Path);
        Assert.False(ckpt.IsSharded);
        foreach (var (name, bytes) in tensors) Assert.True(ckpt.GetBytes(name).SequenceEqual(bytes));
    }

    [Fact]
    public void WriteCheckpoint_ResaveWithFewerShards_DeletesStaleShardsAndIndex()
    {
        SafetensorsWriter.WriteCheckpoint(_dir.Path, Sources(Layers(6, 100)), new SafetensorsWriteOptions { MaxShardSize = 100 });
        Assert.Equal(6, Directory.EnumerateFiles(_dir.Path, "model-*.safetensors").Count());
        File.WriteAllText(_dir.File("tokenizer.json"), "{}");
        SafetensorsWriter.WriteCheckpoint(_dir.Path, Sources(Layers(6, 100)), new SafetensorsWriteOptions { MaxShardSize = 300 });
        Assert.Equal(["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"],
            Directory.EnumerateFiles(_dir.Path, "model-*.safetensors").Select(Path.GetFileName).Order());
        SafetensorsWriter.WriteCheckpoint(_dir.Path, Sources(Layers(6, 100)));
        Assert.Equal(["model.safetensors", "tokenizer.json"], Directory.EnumerateFiles(_dir.Path).Select(Path.GetFileName).Order());
        SafetensorsWriter.WriteCheckpoint(_dir.Path, Sources(Layers(6, 100)), new SafetensorsWriteOptions { MaxShardSize = 300 });
        Assert.False(File.Exists(_dir.File("model.safetensors")));
        using var ckpt = SafetensorsCheckpoint.Open(_dir.Path);
        Assert.Equal(6, ckpt.Count);
    }

    [Fact]
    public void WriteCheckpoint_TiedEmbeddings_AliasAbsentFromIndex()
    {
        byte[] emb = TestFiles.Pattern(600);
        var result = SafetensorsWriter.WriteCheckpoint(_dir.Path,
        [
            TensorWriteSource.FromBytes("model.embed_tokens.weight", DType.BF16, [30, 10], emb),
            TensorWriteSource.FromBytes("model.norm.weight", DType.BF16, [10], new byte[20]),
            TensorWriteSource.FromBytes("lm_head.weight", DType.BF16, [30, 10], emb),
        ], new SafetensorsWriteOptions
        {
            MaxShardSize = 600,
            TiedWeights = new Dictionary<string, string> { ["lm_head.weight"] = "model.embed_tokens.weight" },
        });
        Assert.False(result.WeightMap.ContainsKey("lm_head.weight"));
        Assert.Equal(620, result.TotalSize);
        using var ckpt = SafetensorsCheckpoint.Open(_dir.Path);
        Assert.False(ckpt.Contains("lm_head.weight"));
        Assert.Equal(2, ckpt.Count);
    }

    private void WriteShard(string file, params (string Name, int Bytes)[] tensors) =>
        SafetensorsWriter.WriteFile(_dir.File(file), tensors.Select(t => TensorWriteSource.FromBytes(t.Name, DType.U8, [t.Bytes], new byte[t.Bytes])));

    private void WriteIndex(string json) => File.WriteAllText(_dir.File(SafetensorsIndex.FileName), json);

    [Fact]
    public void Open_ShardFileMissing_FileNotFoundNamingShard()
    {
        WriteShard("model-00001-of-00002.safetensors", ("a", 4));
        WriteIndex("{\"metadata\":{\"total_size\":8},\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00002-of-00002.safetensors\"}}");
        var e = Assert.Throws<FileNotFoundException>(() => SafetensorsCheckpoint.Open(_dir.Path));
        Assert.Contains("model-00002-of-00002.safetensors", e.Message);
        Assert.Contains(SafetensorsIndex.FileName, e.Message);
    }

    [Fact]
    public void Open_TensorListedButAbsentFromShard_NamesTensorAndShard()
    {
        WriteShard("s1.safetensors", ("a", 4));
        WriteIndex("{\"weight_map\":{\"a\":\"s1.safetensors\",\"ghost\":\"s1.safetensors\"}}");
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsCheckpoint.Open(_dir.Path));
        Assert.Contains("'ghost'", e.Message);
        Assert.Contains("s1.safetensors", e.Message);
        Assert.Contains("absent", e.Message);
    }

    [Fact]
    public void Open_TensorInTwoShards_NamesBothShards()
    {
        WriteShard("s1.safetensors", ("a", 4), ("dup", 2));
        WriteShard("s2.safetensors", ("b", 4), ("dup", 2));
        WriteIndex("{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s2.safetensors\",\"dup\":\"s2.safetensors\"}}");
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsCheckpoint.Open(_dir.Path));
        Assert.Contains("'dup'", e.Message);
        Assert.Contains("two shards", e.Message);
        Assert.Contains("s1.safetensors", e.Message);
        Assert.Contains("s2.safetensors", e.Message);
    }

    [Fact]
    public void Open_TensorListedTwiceInWeightMap_Rejected()
    {
        WriteShard("s1.safetensors", ("a", 4));
        WriteShard("s2.safetensors", ("b", 4));
        WriteIndex("{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s2.safetensors\",\"a\":\"s2.safetensors\"}}");
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsCheckpoint.Open(_dir.Path));
        Assert.Contains("'a'", e.Message);
        Assert.Contains("twice", e.Message);
    }

    [Fact]
    public void Open_ShardHoldsUnlistedTensor_Rejected()
    {
        WriteShard("s1.safetensors", ("a", 4), ("extra", 1));
        WriteIndex("{\"weight_map\":{\"a\":\"s1.safetensors\"}}");
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsCheckpoint.Open(_dir.Path));
        Assert.Contains("'extra'", e.Message);
        Assert.Contains("not listed", e.Message);
    }

    [Fact]
    public void Open_IndexMapsTensorToWrongShard_Rejected()
    {
        WriteShard("s1.safetensors", ("a", 4));
        WriteShard("s2.safetensors", ("b", 4));
        WriteIndex("{\"weight_map\":{\"a\":\"s2.safetensors\",\"b\":\"s1.safetensors\"}}");
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsCheckpoint.Open(_dir.Path));
        Assert.Contains("weight_map says", e.Message);
    }

    [Theory]
    [InlineData("{\"weight_map\":{\"a\":\"../escape.safetensors\"}}", "not a plain file name")]
    [InlineData("{\"weight_map\":{\"a\":\"/etc/passwd\"}}", "not a plain file name")]
    [InlineData("{\"weight_map\":{\"a\":5}}", "shard file name string")]
    [InlineData("{\"metadata\":{}}", "missing \"weight_map\"")]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("{\"weight_map\":", "not valid JSON")]
    [InlineData("{\"metadata\":{\"total_size\":-1},\"weight_map\":{}}", "total_size")]
    public void Open_BadIndex_InvalidDataNamingIndex(string json, string problem)
    {
        WriteIndex(json);
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsCheckpoint.Open(_dir.Path));
        Assert.Contains(SafetensorsIndex.FileName, e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Open_CorruptShard_NamesShardFile()
    {
        File.WriteAllBytes(_dir.File("s1.safetensors"), TestFiles.Craft("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1]));
        WriteIndex("{\"weight_map\":{\"a\":\"s1.safetensors\"}}");
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsCheckpoint.Open(_dir.Path));
        Assert.Contains("s1.safetensors", e.Message);
        Assert.Contains("'a'", e.Message);
    }

    [Fact]
    public void Open_FolderWithoutWeights_FileNotFound()
    {
        File.WriteAllText(_dir.File("pytorch_model.bin"), "");
        var e = Assert.Throws<FileNotFoundException>(() => SafetensorsCheckpoint.Open(_dir.Path));
        Assert.Contains("model.safetensors", e.Message);
        Assert.Contains("pytorch_model.bin", e.Message);
        Assert.Throws<FileNotFoundException>(() => SafetensorsCheckpoint.Open(_dir.File("missing-folder")));
    }

    [Fact]
    public void GetInfo_UnknownTensor_NamesIndex()
    {
        SafetensorsWriter.WriteCheckpoint(_dir.Path, Sources(Layers(2, 10)), new SafetensorsWriteOptions { MaxShardSize = 10 });
        using var ckpt = SafetensorsCheckpoint.Open(_dir.Path);
        var e = Assert.Throws<InvalidDataException>(() => ckpt.GetInfo("lm_head.weight"));
        Assert.Contains(SafetensorsIndex.FileName, e.Message);
        Assert.Contains("'lm_head.weight'", e.Message);
    }
}
