using NativeCnn.Cli.Evaluation;

namespace NativeCnn.Cli.Tests;

public sealed class EvaluationAnnotationTests : IDisposable
{
    private const string Header = "file,val_id,label_caffe,synset,orig_w,orig_h,gt_boxes_orig_xyxy,gt_boxes_227_xyxy";
    private static readonly string[] Synsets = ["n01440764", "n01443537", "n01484850"];
    private readonly string _dir = Directory.CreateTempSubdirectory("nativecnn-ann-").FullName;

    public EvaluationAnnotationTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "data"));
        File.WriteAllBytes(Path.Combine(_dir, "data", "a.JPEG"), [0]);
        File.WriteAllBytes(Path.Combine(_dir, "data", "b.JPEG"), [0]);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ValidFileLoadsBoxesInBothFrames()
    {
        var images = AnnotationFile.Load(Write(Header, "data/a.JPEG,7,1,n01443537,500,375,0 0 499 374;10 20 30 40,0 0 227 227;4.54 12.1 14.07 24.82"), _dir, Synsets, 3);
        var a = Assert.Single(images);
        Assert.Equal((7, 1, 227), (a.ValId, a.Label, a.FrameWidth));
        Assert.Equal(new Box(0, 0, 500, 375), a.TruthOriginal[0]); // inclusive → continuous
        Assert.Equal(new Box(4.54, 12.1, 14.07, 24.82), a.TruthFrame[1]);
    }

    [Fact]
    public void MissingImageNamesFileAndLine()
    {
        var e = Assert.Throws<AnnotationException>(() => AnnotationFile.Load(Write(Header,
            "data/a.JPEG,1,0,n01440764,10,10,0 0 9 9,0 0 227 227",
            "data/gone.JPEG,2,0,n01440764,10,10,0 0 9 9,0 0 227 227"), _dir, Synsets, 3));
        Assert.Equal(AnnotationProblem.MissingImage, e.Problem);
        Assert.Equal(3, e.Line);
        Assert.Contains("gone.JPEG", e.Message, StringComparison.Ordinal);
        Assert.Contains(":3:", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0 0 10 9,0 0 227 227")] // x2 = W is one past the last pixel
    [InlineData("-1 0 5 5,0 0 227 227")]
    [InlineData("5 5 2 8,0 0 227 227")] // x1 > x2
    [InlineData("0 0 9 9,0 0 227.5 100")] // beyond the 227 frame
    public void BoxOutsideImageIsRejected(string boxes)
    {
        var e = Assert.Throws<AnnotationException>(() => AnnotationFile.Load(Write(Header, $"data/a.JPEG,1,0,n01440764,10,10,{boxes}"), _dir, Synsets, 3));
        Assert.Equal(AnnotationProblem.BoxOutsideImage, e.Problem);
        Assert.Equal(2, e.Line);
    }

    [Theory]
    [InlineData("3,n01440764")] // out of range
    [InlineData("0,n01443537")] // synset of another class
    [InlineData("0,n99999999")] // not a class at all
    public void UnknownClassIsRejected(string classAndSynset)
    {
        var e = Assert.Throws<AnnotationException>(() => AnnotationFile.Load(Write(Header, $"data/b.JPEG,1,{classAndSynset},10,10,0 0 9 9,0 0 227 227"), _dir, Synsets, 3));
        Assert.Equal(AnnotationProblem.UnknownClass, e.Problem);
    }

    [Fact]
    public void MalformedLinesAreRejected()
    {
        Assert.Equal(AnnotationProblem.Malformed, Assert.Throws<AnnotationException>(() =>
            AnnotationFile.Load(Write("file,val_id", "data/a.JPEG,1"), _dir, Synsets, 3)).Problem);
        Assert.Equal(AnnotationProblem.Malformed, Assert.Throws<AnnotationException>(() =>
            AnnotationFile.Load(Write(Header, "data/a.JPEG,1,0,n01440764,10,10,0 0 9,0 0 227 227"), _dir, Synsets, 3)).Problem);
        Assert.Equal(AnnotationProblem.Malformed, Assert.Throws<AnnotationException>(() =>
            AnnotationFile.Load(Write(Header, "data/a.JPEG,1,0,n01440764,10,10,0 0 9 9,0 0 227 227", "data/b.JPEG,1,0,n01440764,10,10,0 0 9 9,0 0 227 227"), _dir, Synsets, 3)).Problem);
    }

    [Fact]
    public void TheSharedAnnotationsPassTheChecks()
    {
        var synsets = File.ReadAllLines(NativeCnn.Tests.TestAssets.Path("labels", "synset_words_caffe_order.txt")).Select(l => l.Split(' ')[0]).ToArray();
        var images = AnnotationFile.Load(NativeCnn.Tests.TestAssets.Path("annotations", "ilsvrc2012-val-227.csv"),
            NativeCnn.Tests.TestAssets.Path("images", "ilsvrc2012-val-227"), synsets);
        Assert.Equal(1000, images.Count);

        // the ground: the centred 75 % box hits 608 of the 1000 images (60.8 %), missing 392
        int hits = images.Count(a => Scorer.Score(0, Box.Centred(227, 227, LocalizationStudy.OffCentreFraction), 0, a.TruthFrame).BoxHit);
        Assert.Equal(608, hits);
    }

    private string Write(params string[] lines)
    {
        string p = Path.Combine(_dir, "ann.csv");
        File.WriteAllLines(p, lines);
        return p;
    }
}
