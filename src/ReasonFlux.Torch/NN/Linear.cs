namespace ReasonFlux.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>y = x Wᵀ + b, with W [out, in] as in PyTorch and Hugging Face checkpoints.</summary>
        public sealed class Linear : Module
        {
            public Linear(long inFeatures, long outFeatures, bool hasBias = true, ScalarType dtype = ScalarType.Float32, Device? device = null, Generator? generator = null)
            {
                InFeatures = inFeatures;
                OutFeatures = outFeatures;
                // PyTorch's default (kaiming_uniform with a=√5 reduces to U(-1/√in, 1/√in)), for weight and bias.
                var bound = 1.0 / Math.Sqrt(inFeatures);
                weight = RegisterParameter("weight", Uniform([outFeatures, inFeatures], bound, dtype, device, generator));
                if (hasBias) bias = RegisterParameter("bias", Uniform([outFeatures], bound, dtype, device, generator));
            }

            /// <summary>Takes ownership of existing weight [out, in] and bias [out] tensors (checkpoint loading, custom init).</summary>
            public Linear(Tensor weight, Tensor? bias)
            {
                var shape = weight.shape;
                if (shape.Length != 2) throw new ArgumentException($"Linear weight must be 2-d [out, in], got [{string.Join(", ", shape)}]");
                OutFeatures = shape[0];
                InFeatures = shape[1];
                this.weight = RegisterParameter("weight", weight);
                if (bias is not null) this.bias = RegisterParameter("bias", bias);
            }

            public long InFeatures { get; }
            public long OutFeatures { get; }
            public Tensor weight { get; }
            public Tensor? bias { get; }

            public Tensor forward(Tensor x) => functional.linear(x, weight, bias);

            internal static Tensor Uniform(long[] shape, double bound, ScalarType dtype, Device? device, Generator? generator)
            {
                using var scope = NewDisposeScope();
                using var u = rand(shape, ScalarType.Float32, device, generator);
                return (u * (2 * bound) - bound).to(dtype).MoveToOuterDisposeScope();
            }
        }

        public sealed class Embedding : Module
        {
            public Embedding(long numEmbeddings, long dim, ScalarType dtype = ScalarType.Float32, Device? device = null, Generator? generator = null)
            {
                using var scope = NewDisposeScope();
                weight = RegisterParameter("weight", randn([numEmbeddings, dim], ScalarType.Float32, device, generator).to(dtype).MoveToOuterDisposeScope());
            }

            /// <summary>Takes ownership of an existing [num, dim] weight.</summary>
            public Embedding(Tensor weight) => this.weight = RegisterParameter("weight", weight);

            public Tensor weight { get; }

            public Tensor forward(Tensor ids) => functional.embedding(ids, weight);
        }

        /// <summary>Qwen2RMSNorm (weight initialised to ones).</summary>
        public sealed class RMSNorm : Module
        {
            public RMSNorm(long dim, double eps = 1e-6, ScalarType dtype = ScalarType.Float32, Device? device = null)
            {
                Eps = eps;
                weight = RegisterParameter("weight", ones([dim], dtype, device));
            }

            /// <summary>Takes ownership of an existing [dim] weight.</summary>
            public RMSNorm(Tensor weight, double eps)
            {
                Eps = eps;
                this.weight = RegisterParameter("weight", weight);
            }

            public double Eps { get; }
            public Tensor weight { get; }

            public Tensor forward(Tensor x) => functional.rms_norm(x, weight, Eps);
        }
    }
}
