using System.CommandLine;
using NativeCnn.Fixations;

namespace NativeCnn.Cli.Commands;

/// <summary>The fixation rule options (defaults reproduce the authors' reference code), shared by explain and eval.</summary>
public sealed class FixationCliOptions
{
    public Option<string> ConvLocation { get; } = new("--conv-location")
    {
        Description = "where a conv fixation lands in its receptive field: 'anchor' (the field's centre, the reference code; default) or 'argmax' (argmax of A⊙W in the window, the paper's Algorithm 2)",
        DefaultValueFactory = _ => "anchor",
    };

    public Option<string> FcAfterFlatten { get; } = new("--fc-after-flatten")
    {
        Description = "a fully connected layer fed by a flattened C×H×W value keeps 'argmax' (the single largest contribution, the reference code; default) or 'all-positive' (every positive contribution, the paper's Algorithm 1)",
        DefaultValueFactory = _ => "argmax",
    };

    public Option<string> AveragePool { get; } = new("--avgpool")
    {
        Description = "average pooling keeps 'argmax' (the largest position in the window, as the reference code), 'all-positive' (every positive position), " +
            "'above-mean' (every position above the pooled value), or 'auto' (default: argmax, but at a pool that turns a class map into the scores, " +
            "e.g. SqueezeNet's final pool, every position above the mean)",
        DefaultValueFactory = _ => "auto",
    };

    public IEnumerable<Option> All => [ConvLocation, FcAfterFlatten, AveragePool];

    public FixationOptions Parse(ParseResult p) => new()
    {
        ConvLocation = Choose(p.GetValue(ConvLocation)!, "--conv-location", ("anchor", Fixations.ConvLocation.Anchor), ("argmax", Fixations.ConvLocation.ArgmaxInWindow)),
        FcAfterFlatten = Choose(p.GetValue(FcAfterFlatten)!, "--fc-after-flatten", ("argmax", Fixations.FcAfterFlatten.Argmax), ("all-positive", Fixations.FcAfterFlatten.AllPositive)),
        AveragePool = Choose(p.GetValue(AveragePool)!, "--avgpool", ("auto", AveragePoolRule.Auto), ("argmax", AveragePoolRule.Argmax),
            ("all-positive", AveragePoolRule.AllPositive), ("above-mean", AveragePoolRule.AboveMean)),
    };

    public void AddTo(Command cmd)
    {
        foreach (var o in All)
        {
            cmd.Options.Add(o);
        }
    }

    private static T Choose<T>(string text, string option, params (string Name, T Value)[] choices) =>
        choices.FirstOrDefault(c => string.Equals(c.Name, text, StringComparison.OrdinalIgnoreCase)) is { Name: not null } hit
            ? hit.Value
            : throw new CliException($"{option}: unknown '{text}'; choose {string.Join(" or ", choices.Select(c => c.Name))}", ExitCodes.Usage);
}
