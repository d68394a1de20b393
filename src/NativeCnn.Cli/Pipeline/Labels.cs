namespace NativeCnn.Cli.Pipeline;

/// <summary>
/// Class names for a model's outputs, where they came from, and (for ImageNet models in another class order) the
/// index of each output in the Caffe (sorted-synset) order that the ImageNet annotations use.
/// </summary>
public sealed class Labels
{
    private readonly string[] _names;

    public Labels(string[] names, string source, int[]? caffeIndex = null, string[]? synsets = null)
    {
        _names = names;
        Source = source;
        CaffeIndex = caffeIndex;
        Synsets = synsets;
    }

    public string Source { get; }

    public int Count => _names.Length;

    /// <summary>For output index i, its class index in Caffe order (null when the outputs are in Caffe order already or not ImageNet).</summary>
    public int[]? CaffeIndex { get; }

    /// <summary>WordNet synset id per output index, for ImageNet models.</summary>
    public string[]? Synsets { get; }

    public string this[int index] => index >= 0 && index < _names.Length ? _names[index] : $"class {index}";

    public static Labels Numeric(int count, string source = "class indices") =>
        new(Enumerable.Range(0, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(), source);

    /// <summary>Plain text: one label per line.</summary>
    public static Labels FromFile(string path) =>
        new(File.ReadAllLines(path).Where(l => l.Length > 0).ToArray(), path);

    /// <summary>ImageNet in Caffe order from <c>synset_words_caffe_order.txt</c> ("n01440764 tench, Tinca tinca"): the first name of each synset.</summary>
    public static Labels ImagenetCaffe(string assets)
    {
        var (synsets, words) = ReadSynsetWords(Path.Combine(assets, "labels", "synset_words_caffe_order.txt"));
        return new Labels(words, "ImageNet, Caffe order", null, synsets);
    }

    /// <summary>
    /// ImageNet in Darknet (ILSVRC devkit) order: synsets from <c>darknet_imagenet1k_labels.txt</c>, names and
    /// Caffe indices looked up through <c>synset_words_caffe_order.txt</c>.
    /// </summary>
    public static Labels ImagenetDarknet(string assets)
    {
        var (caffeSynsets, caffeWords) = ReadSynsetWords(Path.Combine(assets, "labels", "synset_words_caffe_order.txt"));
        var byS = caffeSynsets.Select((s, i) => (s, i)).ToDictionary(p => p.s, p => p.i, StringComparer.Ordinal);
        var dark = File.ReadAllLines(Path.Combine(assets, "labels", "darknet_imagenet1k_labels.txt")).Where(l => l.Length > 0).Select(l => l.Trim()).ToArray();
        var caffe = dark.Select(s => byS.TryGetValue(s, out int i) ? i : throw new CliException($"darknet synset {s} is not an ImageNet-1k synset")).ToArray();
        return new Labels(caffe.Select(i => caffeWords[i]).ToArray(), "ImageNet, Darknet order (mapped to Caffe synsets)", caffe, dark);
    }

    private static (string[] Synsets, string[] Words) ReadSynsetWords(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        var synsets = lines.Select(l => l.Split(' ', 2)[0]).ToArray();
        var words = lines.Select(l => l.Split(' ', 2) is [_, var w] ? w.Split(',')[0].Trim() : l).ToArray();
        return (synsets, words);
    }
}
