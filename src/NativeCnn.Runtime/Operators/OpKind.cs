namespace NativeCnn.Runtime.Operators;

/// <summary>
/// The closed list of operators the runtime implements; each name equals the standard (ONNX) operator name.
/// Every member must have exactly one <see cref="Operator"/> class (a test checks), and the backtracker has a
/// rule or a documented reason for each.
/// </summary>
public enum OpKind
{
    // Convolution and pooling
    Conv,
    ConvTranspose,
    MaxPool,
    AveragePool,
    GlobalAveragePool,
    GlobalMaxPool,
    LRN,
    BatchNormalization,

    // Dense
    Gemm,
    MatMul,

    // Element-wise arithmetic (broadcasting)
    Add,
    Sub,
    Mul,
    Div,
    Sum,
    Mean,
    Max,
    Min,

    // Activations
    Relu,
    LeakyRelu,
    PRelu,
    Clip,
    Sigmoid,
    Tanh,
    HardSigmoid,
    Softmax,
    LogSoftmax,

    // Pass-through
    Dropout,
    Identity,
    Cast,

    // Shape and data movement
    Concat,
    Split,
    Flatten,
    Reshape,
    Transpose,
    Squeeze,
    Unsqueeze,
    Pad,
    Constant,
    ConstantOfShape,
    Shape,
    Gather,
    Slice,

    // Reductions
    ReduceMean,
    ReduceMax,

    // Recurrent
    LSTM,
    GRU,
}
