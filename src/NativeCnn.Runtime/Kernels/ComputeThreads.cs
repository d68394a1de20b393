using System.Runtime.ExceptionServices;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Runs <c>body(w)</c> for workers <c>w</c> in <c>[0, workers)</c> at once: worker 0 on the calling thread, the
/// others on helper threads started once per process and then reused, so a steady-state run allocates nothing
/// (Parallel.For allocates its bookkeeping on every call). One run at a time uses the helpers; a caller that
/// finds them busy (another session running on another thread) falls back to Parallel.For.
/// <para>
/// Every body is a worker that takes items from a shared queue until it is empty (<see cref="WorkQueue"/>, the
/// packed SGEMM's items), so worker 0 alone finishes the whole run when no helper joins. The caller therefore
/// withdraws a helper that has not started by the time worker 0 is done instead of waiting for it: on a busy
/// machine a sleeping helper can take far longer to be scheduled than a small layer takes, and SqueezeNet's
/// thirty-odd parallel steps each waited for it. Items have fixed results, so which thread runs a worker, or
/// whether a helper joins at all, never changes a result.
/// </para>
/// <para>
/// On the shared 2-vCPU VM the cost of moving data between the two threads is not fixed: for seconds to tens of
/// seconds at a time the hypervisor runs the two vCPUs on cores far apart, and a cache line written on one and
/// read on the other takes ~190 ns one way instead of ~40–60 (a ping-pong between CPUs 0 and 1: ~400 ns round
/// trip instead of 75–130; streaming another core's freshly written buffer: 6.3 ns a line instead of 2.1). An
/// FMA loop still scales 2× then, but a two-thread inference that hands every activation back and forth between
/// the cores ran at the one-thread speed (SqueezeNet 4.0–4.3 ms instead of 2.4, in whole processes, since a process
/// lasts less than such a period; not the JIT, the GC, a wake-up or another busy thread). So the work is split
/// so that each core keeps to the same part of the data layer after layer (<see cref="TwoEndedItems"/>).
/// </para>
/// </summary>
internal static class ComputeThreads
{
    private const int Idle = 0, Posted = 1, Running = 2, Finished = 3;

    private static readonly object Gate = new();
    private static readonly object StartLock = new();
    private static Helper[] _helpers = [];
    private static Action<int>? _body;

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
            var helpers = _helpers;
            _body = body;
            for (int i = 0; i < workers - 1; i++)
            {
                helpers[i].Post();
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

            Exception? failure = null;
            for (int i = 0; i < workers - 1; i++)
            {
                failure ??= helpers[i].Withdraw();
            }

            _body = null;
            if ((own ?? failure) is { } f)
            {
                ExceptionDispatchInfo.Capture(f).Throw();
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
            if (_helpers.Length >= count)
            {
                return;
            }

            var helpers = new Helper[count];
            Array.Copy(_helpers, helpers, _helpers.Length);
            for (int i = _helpers.Length; i < count; i++)
            {
                helpers[i] = new Helper(i + 1);
            }

            _helpers = helpers;
            for (int i = 0; i < count; i++)
            {
                helpers[i].StartOnce();
            }
        }
    }

    /// <summary>
    /// One helper thread and its state: Idle → Posted (by the caller) → Running (the helper took it) → Finished →
    /// Idle (the caller saw it finish); or Posted → Idle when the caller withdraws it before it started. Each side
    /// publishes the state before it sets the other side's event and re-reads it after resetting its own event, so
    /// no wake-up is lost.
    /// </summary>
    private sealed class Helper(int worker)
    {
        private readonly ManualResetEventSlim _wake = new(false, spinCount: 200);
        private readonly ManualResetEventSlim _done = new(false, spinCount: 200);
        private Thread? _thread;
        private int _state;
        private Exception? _failure;

        public void StartOnce()
        {
            if (_thread is null)
            {
                _thread = new Thread(Loop) { IsBackground = true, Name = $"NativeCnn compute {worker}" };
                _thread.Start();
            }
        }

        public void Post()
        {
            _failure = null;
            Volatile.Write(ref _state, Posted);
            _wake.Set();
        }

        /// <summary>Withdraws the helper if it has not started, else waits for it to finish; returns its failure.</summary>
        public Exception? Withdraw()
        {
            if (Interlocked.CompareExchange(ref _state, Idle, Posted) == Posted)
            {
                return null;
            }

            while (Volatile.Read(ref _state) != Finished)
            {
                _done.Wait();
                _done.Reset();
            }

            Volatile.Write(ref _state, Idle);
            return _failure;
        }

        private void Loop()
        {
            while (true)
            {
                while (Interlocked.CompareExchange(ref _state, Running, Posted) != Posted)
                {
                    _wake.Wait();
                    _wake.Reset();
                }

                try
                {
                    _body!(worker);
                }
                catch (Exception e)
                {
                    _failure = e;
                }

                Volatile.Write(ref _state, Finished);
                _done.Set();
            }
        }
    }
}
