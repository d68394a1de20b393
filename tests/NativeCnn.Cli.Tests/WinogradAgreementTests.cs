using NativeCnn.Cli.Pipeline;
using NativeCnn.Fixations;
using NativeCnn.Imaging;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Planning;
using NativeCnn.Tests;
using Xunit.Abstractions;

namespace NativeCnn.Cli.Tests;

/// <summary>
/// Winograd changes rounding, not results that matter: on the 1000 shared ILSVRC val images the top-1 class of
/// SqueezeNet 1.1 and Tiny Darknet is the same with Winograd on every eligible 3×3 conv (more than the speed choice
/// uses) and with exact kernels only, and the fixations computed on the two sets of activations are compared
/// (agreement reported; asserted high).
/// </summary>
[Collection("cli")]
public class WinogradAgreementTests(ITestOutputHelper output)
{
    /// <summary>
    /// Mean Jaccard similarity of the input points required. Measured when written (Winograd on all 8 eligible convs
    /// of each model): fixations identical on 994 (SqueezeNet) and 983 (Tiny Darknet) of the 1000 images, mean Jaccard
    /// 1.000 and 0.999; max relative logit difference 1.2e-6 and 3.3e-6. A near-tie in a conv channel sum or a pooling
    /// window flips a few points, hence not 1.
    /// </summary>
    private const double MinimumMeanJaccard = 0.98;

    [Theory]
    [InlineData("squeezenet1.1/squeezenet1.1.onnx", "imagenet-torch")]
    [InlineData("tiny-darknet/tiny_darknet.onnx", "darknet")]
    public void Top1NeverChangesAndFixationsAgree(string model, string preset)
    {
        string path = TestAssets.Path("models", model);
        using var images = new ImageModel(path, preset, null, 1);
        using var winograd = new InferenceSession(images.Graph, new PlanOptions { Threads = 2, WinogradEverywhere = true });
        using var exact = new InferenceSession(images.Graph, new PlanOptions { Threads = 2, AllowWinograd = false });
        string folder = TestAssets.Path("images", "ilsvrc2012-val-227", "data");
        var files = Directory.GetFiles(folder, "*.JPEG").Order(StringComparer.Ordinal).ToList();
        var backtracker = new Backtracker();
        int changed = 0, identical = 0, winogradSteps = 0;
        double jaccardSum = 0, maxRel = 0;
        string output0 = images.OutputName;
        foreach (var file in files)
        {
            var input = images.Profile.Preprocess.Run(ImageIO.Load(file));
            var tensor = Tensor.FromSpan<float>(input.Data, input.Shape);
            var sw = winograd.Run(tensor);
            winogradSteps = sw.Plan.Steps.Count(s => s.Kernel is IDescribedKernel d && d.KernelName.Contains("Winograd", StringComparison.Ordinal));
            var a = backtracker.Backtrack(sw);
            var la = sw[output0].ToDoubleArray();
            var se = exact.Run(tensor);
            var b = backtracker.Backtrack(se);
            var lb = se[output0].ToDoubleArray();
            double scale = lb.Max(Math.Abs);
            maxRel = Math.Max(maxRel, la.Zip(lb, (x, y) => Math.Abs(x - y)).Max() / scale);
            changed += a.Start.FlatIndex != b.Start.FlatIndex ? 1 : 0;
            var pa = a.InputPoints.ToHashSet();
            var pb = b.InputPoints.ToHashSet();
            int inter = pa.Intersect(pb).Count();
            double j = inter / (double)(pa.Count + pb.Count - inter);
            jaccardSum += j;
            identical += j == 1 ? 1 : 0;
        }

        double meanJ = jaccardSum / files.Count;
        output.WriteLine($"{model} on {files.Count} images: {winogradSteps} Winograd convs; top-1 changed on {changed}; max relative logit difference {maxRel:E2}; " +
            $"fixations identical on {identical} ({identical / (double)files.Count:P1}), mean Jaccard of the input points {meanJ:F3}");
        Assert.Equal(1000, files.Count);
        Assert.True(winogradSteps > 0, "no conv ran as Winograd: the comparison would be vacuous");
        Assert.Equal(0, changed);
        Assert.True(meanJ >= MinimumMeanJaccard, $"mean Jaccard {meanJ:F3}");
    }
}
