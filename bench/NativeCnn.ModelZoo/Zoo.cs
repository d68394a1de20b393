using NativeCnn.Runtime;
using NativeCnn.Runtime.Graph;

namespace NativeCnn.ModelZoo;

/// <summary>
/// Model shapes for benchmarks, with seeded random weights (no pretrained data): the layer structure, value
/// shapes and MACs of the real networks, written through the project's own ONNX writer.
/// Small variants (narrow channels, small images) keep tests fast.
/// </summary>
public static class Zoo
{
    /// <summary>
    /// VGG-16 (configuration D): 13 conv 3×3 (pad 1) + ReLU in five stages of 64, 128, 256, 512, 512 channels, each
    /// closed by MaxPool 2×2/2; Flatten; Gemm → ReLU → Gemm → ReLU → Gemm. At the defaults (224×224, widths ÷1,
    /// fc 4096, 1000 classes): 138,357,544 parameters, 15.47 GMACs. Input "input" [1,3,S,S], output "logits" [1,classes].
    /// </summary>
    public static ModelGraph Vgg16(int imageSize = 224, int widthDivisor = 1, int fcWidth = 4096, int classes = 1000, int seed = 16)
    {
        if (imageSize % 32 != 0 || imageSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(imageSize), "VGG-16 needs an image size that is a multiple of 32");
        }

        var b = new ZooBuilder("vgg16", seed);
        b.Model.AddInput("input", DataType.Float32, 1, 3, imageSize, imageSize);
        int[][] stages = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]];
        string x = "input";
        int cin = 3, conv = 0;
        for (int s = 0; s < stages.Length; s++)
        {
            foreach (int width in stages[s])
            {
                int cout = Math.Max(1, width / widthDivisor);
                string p = $"features.conv{s + 1}_{++conv - Offset(stages, s)}";
                x = b.Relu(b.Conv(x, cin, cout, 3, 1, 1, bias: true, p), p);
                cin = cout;
            }

            x = b.MaxPool(x, 2, 2, 0, $"features.pool{s + 1}");
        }

        int spatial = imageSize / 32;
        x = b.Unary("Flatten", x, "flatten", AttributeValue.Of("axis", 1L));
        x = b.Relu(b.Linear(x, cin * spatial * spatial, fcWidth, "classifier.fc6"), "classifier.fc6");
        x = b.Relu(b.Linear(x, fcWidth, fcWidth, "classifier.fc7"), "classifier.fc7");
        x = b.Linear(x, fcWidth, classes, "classifier.fc8");
        b.Model.AddNode("Identity", [x], ["logits"], "logits", "");
        b.Model.AddOutput("logits", DataType.Float32, 1, classes);
        b.Model.Metadata("nativecnn.zoo", $"vgg16 image={imageSize} widthDivisor={widthDivisor} fc={fcWidth} classes={classes} seed={seed} parameters={b.Parameters}");
        return b.Model.ToGraph();
    }

    /// <summary>
    /// ResNet-18: conv 7×7/2 (pad 3) + BN + ReLU, MaxPool 3×3/2 (pad 1), four stages of two basic blocks
    /// (conv 3×3 + BN + ReLU, conv 3×3 + BN, Add with the skip, ReLU) at 64, 128, 256, 512 channels; the first block
    /// of stages 2–4 has stride 2 and a 1×1/2 conv + BN on the skip; GlobalAveragePool, Flatten, Gemm. At the
    /// defaults: 11,689,512 parameters, 1.82 GMACs. Input "input" [1,3,S,S], output "logits" [1,classes].
    /// </summary>
    public static ModelGraph ResNet18(int imageSize = 224, int widthDivisor = 1, int classes = 1000, int seed = 18)
    {
        if (imageSize % 32 != 0 || imageSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(imageSize), "ResNet-18 needs an image size that is a multiple of 32");
        }

        var b = new ZooBuilder("resnet18", seed);
        b.Model.AddInput("input", DataType.Float32, 1, 3, imageSize, imageSize);
        int W(int c) => Math.Max(1, c / widthDivisor);
        string x = b.Relu(b.BatchNorm(b.Conv("input", 3, W(64), 7, 2, 3, bias: false, "conv1"), W(64), "bn1"), "conv1");
        x = b.MaxPool(x, 3, 2, 1, "maxpool");
        int cin = W(64);
        int[] widths = [64, 128, 256, 512];
        for (int s = 0; s < widths.Length; s++)
        {
            int cout = W(widths[s]);
            for (int blk = 0; blk < 2; blk++)
            {
                string p = $"layer{s + 1}.{blk}";
                int stride = s > 0 && blk == 0 ? 2 : 1;
                string y = b.Relu(b.BatchNorm(b.Conv(x, cin, cout, 3, stride, 1, bias: false, $"{p}.conv1"), cout, $"{p}.bn1"), $"{p}.conv1");
                y = b.BatchNorm(b.Conv(y, cout, cout, 3, 1, 1, bias: false, $"{p}.conv2"), cout, $"{p}.bn2");
                string skip = x;
                if (stride != 1 || cin != cout)
                {
                    skip = b.BatchNorm(b.Conv(x, cin, cout, 1, stride, 0, bias: false, $"{p}.downsample.0"), cout, $"{p}.downsample.1");
                }

                x = b.Relu(b.Add(y, skip, $"{p}.add"), $"{p}.out");
                cin = cout;
            }
        }

        x = b.Unary("GlobalAveragePool", x, "avgpool");
        x = b.Unary("Flatten", x, "flatten", AttributeValue.Of("axis", 1L));
        x = b.Linear(x, cin, classes, "fc");
        b.Model.AddNode("Identity", [x], ["logits"], "logits", "");
        b.Model.AddOutput("logits", DataType.Float32, 1, classes);
        b.Model.Metadata("nativecnn.zoo", $"resnet18 image={imageSize} widthDivisor={widthDivisor} classes={classes} seed={seed} parameters={b.Parameters}");
        return b.Model.ToGraph();
    }

    /// <summary>Parameters (initializer elements) of a graph.</summary>
    public static long ParameterCount(ModelGraph graph) => graph.Initializers.Values.Sum(t => t.Length);

    private static int Offset(int[][] stages, int stage) => stages.Take(stage).Sum(s => s.Length);
}
