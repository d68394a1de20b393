using System.Runtime.ExceptionServices;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Runs <c>body(w)</c> for workers <c>w</c> in <c>[0, workers)</c> at once: worker 0 on the calling thread, the
/// others on helper threads started once per process and then reused, so a steady-state run allocates nothing
/// (Parallel.For allocates its bookkeeping on every call). One run at a time uses the helpers; a caller that
/// finds them busy (another session running on another thread) falls back to Parallel.For. Work is split by the
/// callers into items with fixed results (see <see cref="WorkQueue"/>), so which thread runs a worker never
/// changes a result.
/// </summary>
internal static class ComputeThreads
{
    private static readonly object Gate = new();
    private static readonly object StartLock = new();
    private static ManualResetEventSlim[] _start = [];
    private static CountdownEvent? _done;
    private static Action<int>? _body;
    private static Exception? _failure;

    public static void Run(Action<int> body, int workers)
    {
        if (workers <= 1)
        {
            body(0);
            return;
        }

        if (Monitor.IsEntered(Gate) || !Monitor.TryEnter(Gate))    // nested in a run, or another run in progress
        {
            Parallel.For(0, workers, body);
            return;
        }

        try
        {
            EnsureHelpers(workers - 1);
            _body = body;
            _failure = null;
            _done!.Reset(workers - 1);
            for (int i = 0; i < workers - 1; i++)
            {
                _start[i].Set();
            }

            Exception? own = null;
            try
            {
                body(0);
            }
            catch (Exception e)
            {
                own = e;
            }

            _done.Wait();
            _body = null;
            if ((own ?? _failure) is { } failure)
            {
                ExceptionDispatchInfo.Capture(failure).Throw();
            }
        }
        finally
        {
            Monitor.Exit(Gate);
        }
    }

    private static void EnsureHelpers(int count)
    {
        lock (StartLock)
        {
            _done ??= new CountdownEvent(0);
            if (_start.Length >= count)
            {
                return;
            }

            var start = new ManualResetEventSlim[count];
            Array.Copy(_start, start, _start.Length);
            for (int i = _start.Length; i < count; i++)
            {
                start[i] = new ManualResetEventSlim(false, spinCount: 200);
                int helper = i;
                var thread = new Thread(() => HelperLoop(helper)) { IsBackground = true, Name = $"NativeCnn compute {helper + 1}" };
                _start = start;
                thread.Start();
            }

            _start = start;
        }
    }

    private static void HelperLoop(int helper)
    {
        var start = _start[helper];
        while (true)
        {
            start.Wait();
            start.Reset();
            try
            {
                _body!(helper + 1);
            }
            catch (Exception e)
            {
                _failure = e;
            }
            finally
            {
                _done!.Signal();
            }
        }
    }
}
