using NativeCnn.ConvertWeights;
using NativeCnn.Runtime;

if (args.Length < 2 || args.Contains("--help") || args.Contains("-h"))
{
    Console.Error.WriteLine("usage: convert-weights SOURCE.onnx DEST.onnx [--external [--threshold BYTES]]");
    Console.Error.WriteLine("  default: every initializer inside DEST (external data of SOURCE is read in)");
    Console.Error.WriteLine("  --external: initializers of at least BYTES (default 1024) go to DEST.onnx.data beside DEST");
    return args.Length < 2 ? 1 : 0;
}

bool external = args.Contains("--external");
long threshold = 1024;
int t = Array.IndexOf(args, "--threshold");
if (t >= 0 && (t + 1 >= args.Length || !long.TryParse(args[t + 1], out threshold) || threshold < 0))
{
    Console.Error.WriteLine("convert-weights: --threshold needs a non-negative byte count");
    return 1;
}

try
{
    int moved = WeightConverter.Convert(args[0], args[1], external, threshold);
    Console.WriteLine(external ? $"wrote {args[1]} with {moved} initializer(s) in {Path.GetFileName(args[1])}.data" : $"wrote {args[1]} with every initializer inside");
    return 0;
}
catch (Exception e) when (e is NativeCnnException or IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"convert-weights: {e.Message}");
    return 2;
}
