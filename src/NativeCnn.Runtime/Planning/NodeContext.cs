using NativeCnn.Runtime.Graph;

namespace NativeCnn.Runtime.Planning;

/// <summary>What the planner knows about a value when a node that reads it is planned.</summary>
public sealed record ValueType(DataType DataType, int[] Shape)
{
    public override string ToString() => $"{DataType}{ShapeUtil.Format(Shape)}";
}

/// <summary>An auxiliary value an operator keeps besides its outputs (e.g. max-pool argmax indices).</summary>
public sealed record AuxiliaryDeclaration(string Suffix, DataType DataType, int[] Shape, string Description);

/// <summary>
/// The planner's view of one node while its operator plans it: attributes, the types, shapes and (if known)
/// constant values of its inputs, and the slots for its outputs.
/// </summary>
public sealed class NodeContext
{
    private readonly ValueType?[] _inputTypes;
    private readonly Tensor?[] _constants;
    private readonly ValueType?[] _outputTypes;
    private readonly List<AuxiliaryDeclaration> _auxiliary = [];

    public NodeContext(Node node, long opset, ValueType?[] inputTypes, Tensor?[] constants, PlanOptions options)
    {
        Node = node;
        Opset = opset;
        _inputTypes = inputTypes;
        _constants = constants;
        _outputTypes = new ValueType?[node.Outputs.Count];
        Options = options;
    }

    public Node Node { get; }

    /// <summary>
    /// Input 0 is a feature map flattened (through Flatten, Reshape, element-wise nodes…) for a dense layer, whose
    /// fixation rule then keeps one argmax input per output (set by the planner).
    /// </summary>
    public bool Input0IsFlattenedFeatureMap { get; internal set; }

    /// <summary>The model's version of the default operator set; operators switch semantics on it.</summary>
    public long Opset { get; }

    public PlanOptions Options { get; }

    public int InputCount => Node.Inputs.Count;

    public int OutputCount => Node.Outputs.Count;

    public IReadOnlyList<ValueType?> OutputTypes => _outputTypes;

    public IReadOnlyList<AuxiliaryDeclaration> Auxiliary => _auxiliary;

    public bool HasInput(int i) => Node.HasInput(i);

    public bool HasOutput(int i) => Node.HasOutput(i);

    /// <summary>Type and shape of input <paramref name="i"/>; throws if absent.</summary>
    public ValueType Input(int i) =>
        HasInput(i) && _inputTypes[i] is { } t ? t : throw Error($"input {i} is required but absent");

    public DataType InputType(int i) => Input(i).DataType;

    public int[] InputShape(int i) => Input(i).Shape;

    /// <summary>The value of input <paramref name="i"/> if it is known at plan time (initializer or folded).</summary>
    public Tensor? Constant(int i) => HasInput(i) ? _constants[i] : null;

    /// <summary>The plan-time value of an input that the operator needs as a constant (a shape, axes, pads…).</summary>
    public Tensor RequireConstant(int i, string what) =>
        Constant(i) ?? throw new UnsupportedOperatorException(
            $"node {Node}: input {i} ('{what}') must be known when the plan is built, but is computed at run time");

    /// <summary>Declares output <paramref name="i"/>. Absent outputs (empty names) may be skipped.</summary>
    public void SetOutput(int i, DataType dataType, int[] shape)
    {
        if (i >= _outputTypes.Length)
        {
            throw Error($"operator declares output {i} but the node has {_outputTypes.Length}");
        }

        _ = ShapeUtil.Product(shape);
        _outputTypes[i] = new ValueType(dataType, shape);
    }

    /// <summary>
    /// Declares an auxiliary value kept in the activation store as "<c>{first output}#{suffix}</c>"; the kernel
    /// gets it as <see cref="KernelArgs.Auxiliary"/>[returned index].
    /// </summary>
    public int AddAuxiliary(string suffix, DataType dataType, int[] shape, string description)
    {
        _auxiliary.Add(new AuxiliaryDeclaration(suffix, dataType, shape, description));
        return _auxiliary.Count - 1;
    }

    // Attribute helpers (errors name the node).
    public long Int(string name, long defaultValue) => Node.GetInt(name, defaultValue);

    public float Float(string name, float defaultValue) => Node.GetFloat(name, defaultValue);

    public string String(string name, string defaultValue) => Node.GetString(name, defaultValue);

    public long[]? Ints(string name) => Node.GetInts(name);

    public float[]? Floats(string name) => Node.GetFloats(name);

    public string[]? Strings(string name) => Node.GetStrings(name);

    /// <summary>An <see cref="InvalidModelException"/> that names the node, its op and the opset.</summary>
    public InvalidModelException Error(string message) =>
        new($"node {Node} (opset {Opset}): {message}");

    /// <summary>An <see cref="UnsupportedOperatorException"/> for a valid but unimplemented variant.</summary>
    public UnsupportedOperatorException Unsupported(string message) =>
        new($"node {Node} (opset {Opset}): {message}");

    /// <summary>Throws unless input <paramref name="i"/> has one of the given element types.</summary>
    public DataType ExpectType(int i, params DataType[] allowed)
    {
        var t = InputType(i);
        if (Array.IndexOf(allowed, t) < 0)
        {
            throw new UnsupportedDataTypeException(
                $"node {Node} (opset {Opset}): input {i} has type {t}; supported: {string.Join(", ", allowed)}");
        }

        return t;
    }
}
