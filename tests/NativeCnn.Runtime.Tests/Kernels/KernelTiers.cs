using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NativeCnn.Runtime.Kernels;
using Xunit.Abstractions;

namespace NativeCnn.Runtime.Tests.Kernels;

/// <summary>The ISA tiers this process can run (tests/run-isa-tiers.sh forces lower tiers with DOTNET_Enable*=0).</summary>
internal static class KernelTiers
{
    public static KernelIsa[] Available => Enum.GetValues<KernelIsa>().Where(t => t <= KernelIsaSupport.Best).ToArray();
}

[Trait("Category", "Kernels")]
public class KernelTierTests(ITestOutputHelper output)
{
    [Fact]
    public void ReportsTheTierThePlanChooses()
    {
        var best = KernelIsaSupport.Best;
        output.WriteLine($"ISA tier: {best} (Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}, FMA {Fma.IsSupported}); SGEMM kernel {SgemmFactory.Name(best)}");
        string? forced = Environment.GetEnvironmentVariable("NATIVECNN_EXPECT_ISA");
        if (forced is not null)
        {
            Assert.Equal(Enum.Parse<KernelIsa>(forced), best);
        }

        Assert.Equal(Vector512.IsHardwareAccelerated, best == KernelIsa.Vector512);
    }
}
