using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Torch.Tests;

public class ModuleTests
{
    private sealed class Block : nn.Module
    {
        public Block()
        {
            RegisterModule("proj", new nn.Linear(3, 2));
            RegisterModule("norm", new nn.RMSNorm(2));
        }
    }

    private sealed class Tied : nn.Module
    {
        public Tied()
        {
            var emb = RegisterModule("embed_tokens", new nn.Embedding(5, 3));
            RegisterModule("layers", new Layers());
            RegisterModule("lm_head", new Head(emb.weight));
        }

        private sealed class Head : nn.Module
        {
            public Head(Tensor shared) => RegisterSharedParameter("weight", shared);
        }

        private sealed class Layers : nn.Module
        {
            public Layers() => RegisterModule("0", new Block());
        }
    }

    [Fact]
    public void NamedParameters_UseDottedHuggingFaceStyleNames()
    {
        using var m = new Tied();
        var names = m.named_parameters().Select(p => p.Name).ToArray();
        // PyTorch order (a module's own parameters, then its children's); a shared tensor once, under its first name.
        Assert.Equal(["embed_tokens.weight", "layers.0.proj.weight", "layers.0.proj.bias", "layers.0.norm.weight"], names);
        Assert.Contains("lm_head.weight", m.named_parameters_with_aliases().Select(p => p.Name));
    }

    [Fact]
    public void LoadStateDict_WrongShape_NamesTheTensor()
    {
        using var m = new Block();
        using var scope = NewDisposeScope();
        var sd = new Dictionary<string, Tensor>
        {
            ["proj.weight"] = zeros([3, 3]),
            ["proj.bias"] = zeros([2]),
            ["norm.weight"] = zeros([2]),
        };
        var e = Assert.Throws<InvalidDataException>(() => m.load_state_dict(sd));
        Assert.Contains("proj.weight", e.Message);
    }

    [Fact]
    public void LoadStateDict_MissingAndUnexpectedKeys_AreListed()
    {
        using var m = new Block();
        using var scope = NewDisposeScope();
        var sd = new Dictionary<string, Tensor> { ["proj.weight"] = zeros([2, 3]), ["extra"] = zeros([1]) };
        var e = Assert.Throws<InvalidDataException>(() => m.load_state_dict(sd));
        Assert.Contains("proj.bias", e.Message);
        Assert.Contains("extra", e.Message);
    }

    [Fact]
    public void LoadStateDict_CopiesValues()
    {
        using var m = new Block();
        using var scope = NewDisposeScope();
        var sd = new Dictionary<string, Tensor>
        {
            ["proj.weight"] = ones([2, 3]),
            ["proj.bias"] = zeros([2]),
            ["norm.weight"] = full([2], 3.0),
        };
        m.load_state_dict(sd);
        var y = ((nn.Linear)m.named_modules().First(x => x.Name == "proj").Module).forward(ones([1, 3]));
        Assert.Equal([3f, 3f], y.detach().ToArray<float>());
    }
}
