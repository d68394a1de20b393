namespace NativeCnn.Onnx.Tests.Conformance;

/// <summary>
/// Conformance cases whose op types the runtime implements but which are not expected to pass, each with the
/// reason. A case leaves this table when the runtime learns what it needs; <see cref="ConformanceTests"/>
/// checks that every entry names an existing case and gives a reason. Keys are case ids (<c>suite/name</c>).
/// </summary>
public static class ConformanceExclusions
{
    public static readonly IReadOnlyDictionary<string, string> Cases = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["node/test_identity_opt"] = "input is an optional(sequence) value; the runtime holds tensors only",
        ["node/test_identity_sequence"] = "input is a sequence value; the runtime holds tensors only",
        ["node/test_batchnorm_epsilon_training_mode"] = "BatchNormalization training_mode = 1 (batch statistics, running-mean outputs); the runtime does inference only",
    };

    /// <summary>Cases that run with a tolerance other than the ONNX default, with the reason: (rtol, atol, reason).</summary>
    public static readonly IReadOnlyDictionary<string, (double Rtol, double Atol, string Reason)> Tolerances =
        new Dictionary<string, (double, double, string)>(StringComparer.Ordinal)
        {
        };
}
