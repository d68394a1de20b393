using System.Security.Cryptography;
using System.Text;
using NativeCnn.Onnx;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Planning;
using NativeCnn.Tests;
using Xunit.Abstractions;

namespace NativeCnn.Fixations.Tests;

/// <summary>The backtracker on the real SqueezeNet 1.1 and Tiny Darknet, against the reference and a fixed golden.</summary>
public sealed class RealModelTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string[]> Models = new()
    {
        ["squeezenet"] = ["models", "squeezenet1.1", "squeezenet1.1.onnx"],
        ["tinydarknet"] = ["models", "tiny-darknet", "tiny_darknet.onnx"],
    };

    private static Tensor Input(string model, int set) =>
        OnnxTensor.Read(Path.Combine(Path.GetDirectoryName(TestAssets.Path(Models[model]))!, $"test_data_set_{set}", "input_0.pb")).Tensor;

    private static (InferenceSession Session, ActivationStore Store) Run(string model, int set, bool fusion = true, int threads = 1)
    {
        var session = new InferenceSession(OnnxModel.Load(TestAssets.Path(Models[model])), new PlanOptions { Fusion = fusion, Threads = threads });
        return (session, session.Run(Input(model, set)));
    }

    /// <summary>SHA-256 (first 16 hex digits) of the sorted input points written as "y,x;" — the golden's fingerprint.</summary>
    private static string Fingerprint(FixationResult r) =>
        Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes(string.Concat(r.InputPoints.Select(p => $"{p.Y},{p.X};")))))[..16];

    [Theory]
    [InlineData("squeezenet", 3, false)]
    [InlineData("squeezenet", 3, true)]
    [InlineData("squeezenet", 0, false)]
    [InlineData("tinydarknet", 0, false)]
    [InlineData("tinydarknet", 0, true)]
    [InlineData("tinydarknet", 2, false)]
    public void FastAgreesWithReferenceOnTopOne(string model, int set, bool alternative)
    {
        var options = alternative ? AgreementTests.Alternative : FixationOptions.Default;
        var (session, store) = Run(model, set);
        using (session)
        {
            var r = new Backtracker(options).Backtrack(store);
            var expected = new ReferenceBacktracker(store).Run(r.Start.Value, r.Start.FlatIndex, options);
            AgreementTests.AssertSame(expected, r, $"{model} set {set} options {options}");
            output.WriteLine($"{model} set {set}: class {r.Start.FlatIndex}, {r[r.InputName]!.Count} input fixations, " +
                             $"{r.InputPoints.Count} points, fingerprint {Fingerprint(r)}; backtrack {r.TotalMilliseconds:F1} ms, forward {session.LastRunMilliseconds:F1} ms");
        }
    }

    /// <summary>
    /// Regression golden, produced once by this backtracker (fusion on, 1 thread) by printing the line this test
    /// writes, after <see cref="FastAgreesWithReferenceOnTopOne"/> had shown agreement with the reference backtracker
    /// on the same inputs. The numbers: top-1 class, number of input fixations, number of spatial points, and
    /// <see cref="Fingerprint"/> of the sorted points. Both networks end in a class-map pool (1×1 conv → global
    /// average pool → scores), so the default <see cref="AveragePoolRule.Auto"/> keeps every position of the
    /// class map above its mean, and each spreads into a chain of argmax rules (with pure argmax the whole path would be one pixel);
    /// the alternative options (all positive contributions / positions, argmax in window) give another spread set. A change here means the
    /// fixations changed: check the reference agreement before updating.
    /// </summary>
    [Theory]
    [InlineData("squeezenet", 3, false, 285L, 65, 65, "985FDAD166928371")]
    [InlineData("squeezenet", 3, true, 285L, 56, 56, "1EC27CA92FF266EF")]
    [InlineData("tinydarknet", 0, false, 7L, 87, 87, "188E86621499701A")]
    [InlineData("tinydarknet", 0, true, 7L, 94, 94, "BEB981E71ACAC92B")]
    public void Golden(string model, int set, bool alternative, long topClass, int inputFixations, int points, string fingerprint)
    {
        var (session, store) = Run(model, set);
        using (session)
        {
            var r = new Backtracker(alternative ? AgreementTests.Alternative : FixationOptions.Default).Backtrack(store);
            output.WriteLine($"[InlineData(\"{model}\", {set}, {(alternative ? "true" : "false")}, {r.Start.FlatIndex}L, {r[r.InputName]!.Count}, {r.InputPoints.Count}, \"{Fingerprint(r)}\")]");
            Assert.Equal(topClass, r.Start.FlatIndex);
            Assert.Equal(inputFixations, r[r.InputName]!.Count);
            Assert.Equal(points, r.InputPoints.Count);
            Assert.Equal(fingerprint, Fingerprint(r));
        }
    }

    /// <summary>
    /// Threads 1 and 2, fusion on and off (Tiny Darknet folds its BatchNormalizations into the convs): the same
    /// fixations at every value both plans keep, under both option sets. Fusion could in principle change them:
    /// a folded conv computes the post-BN values with different rounding than conv-then-BN, and the max-pool argmax
    /// and the conv channel sums read those values, so a near-tie could flip; the conv rule itself reads the node's
    /// own (unfolded) weights and its input, which fusion does not change.
    /// </summary>
    [Theory]
    [InlineData("squeezenet", 3, false)]
    [InlineData("squeezenet", 3, true)]
    [InlineData("tinydarknet", 0, false)]
    [InlineData("tinydarknet", 0, true)]
    public void ThreadsAndFusionDoNotChangeTheFixations(string model, int set, bool alternative)
    {
        var options = alternative ? AgreementTests.Alternative : FixationOptions.Default;
        var (s1, a) = Run(model, set, fusion: true, threads: 1);
        var (s2, b) = Run(model, set, fusion: true, threads: 2);
        var (s3, c) = Run(model, set, fusion: false, threads: 1);
        using (s1)
        using (s2)
        using (s3)
        {
            var ra = new Backtracker(options).Backtrack(a);
            var rb = new Backtracker(options).Backtrack(b);
            var rc = new Backtracker(options).Backtrack(c);
            Assert.Equal(ra.Values.Select(v => v.Name), rb.Values.Select(v => v.Name));
            foreach (var v in ra.Values)
            {
                Assert.Equal(v.Indices, rb[v.Name]!.Indices);
            }

            Assert.Equal(ra.Start.FlatIndex, rc.Start.FlatIndex);
            int differ = ra.Values.Count(v => rc[v.Name] is { } w && !v.Indices.SequenceEqual(w.Indices));
            output.WriteLine($"{model}: fusion on {ra.Values.Count} values, off {rc.Values.Count}; {differ} shared values differ; " +
                             $"input fixations {ra[ra.InputName]!.Count} vs {rc[rc.InputName]!.Count}");
            Assert.Equal(0, differ);
            Assert.Equal(ra[ra.InputName]!.Indices, rc[rc.InputName]!.Indices);
            Assert.Equal(ra.InputPoints, rc.InputPoints);
        }
    }
}
