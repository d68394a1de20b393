using NativeCnn.ModelZoo;
using NativeCnn.Onnx;

// nativecnn-modelzoo OUT_DIR [vgg16] [resnet18]: writes the benchmark model shapes (random seeded weights) as ONNX.
if (args.Length < 1 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: nativecnn-modelzoo OUT_DIR [vgg16] [resnet18]   (default: both)");
    return args.Length < 1 ? 1 : 0;
}

var dir = Directory.CreateDirectory(args[0]);
var which = args.Length > 1 ? args[1..] : ["vgg16", "resnet18"];
foreach (var name in which)
{
    var graph = name switch
    {
        "vgg16" => Zoo.Vgg16(),
        "resnet18" => Zoo.ResNet18(),
        _ => null,
    };
    if (graph is null)
    {
        Console.Error.WriteLine($"nativecnn-modelzoo: unknown model '{name}' (known: vgg16, resnet18)");
        return 1;
    }

    string path = Path.Combine(dir.FullName, $"{name}.onnx");
    OnnxWriter.Save(graph, path);
    Console.WriteLine($"{path}  {Zoo.ParameterCount(graph):N0} parameters  {new FileInfo(path).Length / 1048576.0:F1} MiB");
}

return 0;
