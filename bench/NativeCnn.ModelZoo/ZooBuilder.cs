using NativeCnn.Onnx;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Graph;

namespace NativeCnn.ModelZoo;

/// <summary>
/// Layer helpers over <see cref="OnnxModelBuilder"/> that draw seeded random weights: conv and fully connected
/// weights uniform in ±√(6 / fan_in) (He scaling: variance 2 / fan_in, so activations after ReLU keep their
/// scale through the depth), biases uniform in ±0.01, BatchNormalization statistics near identity.
/// </summary>
internal sealed class ZooBuilder(string name, int seed)
{
    private readonly Random _rng = new(seed);
    private int _counter;

    public OnnxModelBuilder Model { get; } = new OnnxModelBuilder(name).Opset(13);

    /// <summary>Parameters added so far.</summary>
    public long Parameters { get; private set; }

    /// <summary>Conv with square kernel <paramref name="k"/>; weight [cout, cin, k, k]; returns the output name.</summary>
    public string Conv(string x, int cin, int cout, int k, int stride, int pad, bool bias, string prefix)
    {
        string w = $"{prefix}.weight";
        AddUniform(w, [cout, cin, k, k], HeBound(cin * k * k));
        var inputs = new List<string> { x, w };
        if (bias)
        {
            AddUniform($"{prefix}.bias", [cout], 0.01f);
            inputs.Add($"{prefix}.bias");
        }

        string y = Next(prefix);
        Model.AddNode("Conv", [.. inputs], [y], prefix, "",
            AttributeValue.Of("kernel_shape", [k, (long)k]),
            AttributeValue.Of("strides", [stride, (long)stride]),
            AttributeValue.Of("pads", [pad, pad, pad, (long)pad]));
        return y;
    }

    /// <summary>BatchNormalization (inference) over <paramref name="c"/> channels, statistics near identity.</summary>
    public string BatchNorm(string x, int c, string prefix)
    {
        AddUniformRange($"{prefix}.weight", [c], 0.5f, 1.5f);
        AddUniformRange($"{prefix}.bias", [c], -0.1f, 0.1f);
        AddUniformRange($"{prefix}.running_mean", [c], -0.1f, 0.1f);
        AddUniformRange($"{prefix}.running_var", [c], 0.5f, 1.5f);
        string y = Next(prefix);
        Model.AddNode("BatchNormalization",
            [x, $"{prefix}.weight", $"{prefix}.bias", $"{prefix}.running_mean", $"{prefix}.running_var"], [y], prefix, "",
            AttributeValue.Of("epsilon", 1e-5f));
        return y;
    }

    /// <summary>Gemm y = x·Wᵀ + b with W [outF, inF] (transB = 1, as exporters write a Linear layer).</summary>
    public string Linear(string x, int inF, int outF, string prefix)
    {
        AddUniform($"{prefix}.weight", [outF, inF], HeBound(inF));
        AddUniform($"{prefix}.bias", [outF], 0.01f);
        string y = Next(prefix);
        Model.AddNode("Gemm", [x, $"{prefix}.weight", $"{prefix}.bias"], [y], prefix, "", AttributeValue.Of("transB", 1L));
        return y;
    }

    public string Unary(string op, string x, string prefix, params AttributeValue[] attributes)
    {
        string y = Next(prefix);
        Model.AddNode(op, [x], [y], $"{prefix}_{_counter}", "", attributes);
        return y;
    }

    public string Add(string a, string b, string prefix)
    {
        string y = Next(prefix);
        Model.AddNode("Add", [a, b], [y], $"{prefix}_{_counter}", "");
        return y;
    }

    public string Relu(string x, string prefix) => Unary("Relu", x, $"{prefix}.relu");

    public string MaxPool(string x, int k, int stride, int pad, string prefix) => Unary("MaxPool", x, prefix,
        AttributeValue.Of("kernel_shape", [k, (long)k]),
        AttributeValue.Of("strides", [stride, (long)stride]),
        AttributeValue.Of("pads", [pad, pad, pad, (long)pad]));

    private string Next(string prefix) => $"{prefix}_out{_counter++}";

    private static float HeBound(int fanIn) => MathF.Sqrt(6f / fanIn);

    private void AddUniform(string name, int[] shape, float bound) => AddUniformRange(name, shape, -bound, bound);

    private void AddUniformRange(string name, int[] shape, float lo, float hi)
    {
        var t = Tensor.Create(DataType.Float32, shape);
        var span = t.AsSpan<float>();
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = lo + (hi - lo) * _rng.NextSingle();
        }

        Model.AddInitializer(name, t);
        Parameters += span.Length;
    }
}
