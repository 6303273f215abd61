using ReasonFlux.Models.Qwen2;

namespace ReasonFlux.Models.Heads;

/// <summary>Any model built on the Qwen2 decoder.</summary>
public interface IQwen2Backbone
{
    Qwen2Model Model { get; }
    Qwen2Config Config { get; }
}
