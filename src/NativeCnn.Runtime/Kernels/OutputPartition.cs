namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Runs <c>body(i)</c> for <c>i</c> in <c>[0, count)</c> on up to <c>threads</c> threads. Each index is one
/// independent block of outputs (an output plane, a row), so every output element is computed by one thread in
/// a fixed order and the result does not depend on the thread count. <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/>
/// allocates a little per call; kernels therefore run a plain loop themselves when they have one thread, so a
/// single-threaded run allocates nothing.
/// </summary>
internal static class OutputPartition
{
    public static void For(int count, int threads, Action<int> body)
    {
        if (threads <= 1 || count <= 1)
        {
            for (int i = 0; i < count; i++)
            {
                body(i);
            }

            return;
        }

        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }
}
