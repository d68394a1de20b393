namespace NativeCnn.Fixations.Tests;

/// <summary>Small random-weight networks of every architecture kind the backtracker must handle.</summary>
public static class Architectures
{
    public static readonly string[] Names = ["alexnet", "vgg", "inception", "resnet", "densenet", "squeezenet", "depthwise", "odd"];

    public static Net Build(string name, int seed = 1) => name switch
    {
        "alexnet" => AlexNet(seed),
        "vgg" => Vgg(seed),
        "inception" => Inception(seed),
        "resnet" => ResNet(seed),
        "densenet" => DenseNet(seed),
        "squeezenet" => SqueezeNet(seed),
        "depthwise" => Depthwise(seed),
        "odd" => Odd(seed),
        _ => throw new ArgumentException(name),
    };

    /// <summary>conv 11×11/4 (window corner ≠ centre) · LRN · maxpool 3/2 · conv 5×5 · maxpool · conv · flatten · fc · fc · softmax.</summary>
    public static Net AlexNet(int seed)
    {
        var n = new Net(seed, "input", 1, 3, 67, 67);
        var x = n.MaxPool(n.Lrn(n.Relu(n.Conv(n.Input, 3, 8, 11, stride: 4, pad: 2))), 3, 2);
        x = n.MaxPool(n.Relu(n.Conv(x, 8, 12, 5, pad: 2)), 3, 2);
        x = n.Relu(n.Conv(x, 12, 16, 3));
        x = n.Relu(n.Gemm(n.Flatten(x), 16 * 3 * 3, 20));
        n.Output(n.Softmax(n.Gemm(x, 20, 10)));
        return n;
    }

    public static Net Vgg(int seed)
    {
        var n = new Net(seed, "input", 1, 3, 32, 32);
        var x = n.Relu(n.Conv(n.Relu(n.Conv(n.Input, 3, 8, 3)), 8, 8, 3));
        x = n.MaxPool(x, 2, 2);
        x = n.MaxPool(n.Relu(n.Conv(x, 8, 16, 3)), 2, 2);
        x = n.Relu(n.Gemm(n.Flatten(x), 16 * 8 * 8, 32));
        n.Output(n.Gemm(x, 32, 10));
        return n;
    }

    public static Net Inception(int seed)
    {
        var n = new Net(seed, "input", 1, 3, 16, 16);
        var x = n.Relu(n.Conv(n.Input, 3, 8, 3));
        var b1 = n.Relu(n.Conv(x, 8, 4, 1));
        var b2 = n.Relu(n.Conv(n.Relu(n.Conv(x, 8, 4, 1)), 4, 6, 3));
        var b3 = n.Relu(n.Conv(n.Relu(n.Conv(x, 8, 2, 1)), 2, 3, 5));
        var b4 = n.Relu(n.Conv(n.MaxPool(x, 3, 1, pad: 1), 8, 2, 1));
        var c = n.Concat(b1, b2, b3, b4);
        n.Output(n.Gemm(n.Flatten(n.Gap(c)), 15, 10));
        return n;
    }

    public static Net ResNet(int seed)
    {
        var n = new Net(seed, "input", 1, 3, 16, 16);
        var x = n.Relu(n.BatchNorm(n.Conv(n.Input, 3, 8, 3, bias: false), 8));
        // Identity block.
        var b = n.BatchNorm(n.Conv(n.Relu(n.BatchNorm(n.Conv(x, 8, 8, 3, bias: false), 8)), 8, 8, 3, bias: false), 8);
        x = n.Relu(n.Add(b, x));
        // Projection block: the branch is written first, as torchvision exports it.
        b = n.BatchNorm(n.Conv(n.Relu(n.BatchNorm(n.Conv(x, 8, 12, 3, stride: 2, bias: false), 12)), 12, 12, 3, bias: false), 12);
        var s = n.BatchNorm(n.Conv(x, 8, 12, 1, stride: 2, bias: false), 12);
        x = n.Relu(n.Add(b, s));
        n.Output(n.Gemm(n.Flatten(n.Gap(x)), 12, 10));
        return n;
    }

    public static Net DenseNet(int seed)
    {
        var n = new Net(seed, "input", 1, 3, 16, 16);
        var x = n.Conv(n.Input, 3, 6, 3);
        var l1 = n.Conv(n.Relu(n.BatchNorm(x, 6)), 6, 4, 3);
        var c1 = n.Concat(x, l1);
        var l2 = n.Conv(n.Relu(n.BatchNorm(c1, 10)), 10, 4, 3);
        var c2 = n.Concat(x, l1, l2);
        var t = n.AvgPool(n.Conv(n.Relu(n.BatchNorm(c2, 14)), 14, 8, 1), 2, 2);
        n.Output(n.Gemm(n.Flatten(n.Gap(n.Relu(t))), 8, 10));
        return n;
    }

    /// <summary>Fire modules and a 1×1-conv classifier followed by global average pooling (no dense layer).</summary>
    public static Net SqueezeNet(int seed)
    {
        var n = new Net(seed, "input", 1, 3, 33, 33);
        var x = n.MaxPool(n.Relu(n.Conv(n.Input, 3, 8, 3, stride: 2, pad: 0)), 3, 2, ceil: true);
        for (int f = 0; f < 2; f++)
        {
            int cin = f == 0 ? 8 : 12;
            var sq = n.Relu(n.Conv(x, cin, 4, 1));
            x = n.Concat(n.Relu(n.Conv(sq, 4, 6, 1)), n.Relu(n.Conv(sq, 4, 6, 3)));
        }

        n.Output(n.Flatten(n.Gap(n.Relu(n.Conv(x, 12, 10, 1)))));
        return n;
    }

    /// <summary>Depthwise, grouped, dilated and auto-padded convs; a global max-pool head.</summary>
    public static Net Depthwise(int seed)
    {
        var n = new Net(seed, "input", 1, 3, 20, 20);
        var x = n.Relu(n.Conv(n.Input, 3, 8, 3));
        x = n.Relu(n.Conv(x, 8, 8, 3, stride: 2, group: 8));
        x = n.Relu(n.Conv(x, 8, 16, 1));
        x = n.Relu(n.Conv(x, 16, 16, 3, group: 4));
        x = n.Relu(n.Conv(x, 16, 16, 3, dilation: 2));
        x = n.Relu(n.Conv(x, 16, 12, 4, autoPad: "SAME_UPPER"));
        x = n.Relu(n.Conv(x, 12, 12, 2, stride: 2, autoPad: "SAME_LOWER"));
        n.Output(n.Gemm(n.Flatten(n.Gmp(x)), 12, 10));
        return n;
    }

    /// <summary>Average pooling with padding, a conv larger than its padding, and an fc after a flattened map.</summary>
    public static Net Odd(int seed)
    {
        var n = new Net(seed, "input", 1, 2, 15, 13);
        var x = n.Relu(n.Conv(n.Input, 2, 5, 5, stride: 2, pad: 1));
        x = n.AvgPool(x, 3, 2, pad: 1);
        x = n.Relu(n.Conv(x, 5, 7, 2, stride: 1, pad: 0));
        n.Output(n.Gemm(n.Flatten(x), 7 * 3 * 2, 10));
        return n;
    }
}
