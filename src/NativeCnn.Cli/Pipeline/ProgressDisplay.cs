using Spectre.Console;
using Spectre.Console.Rendering;

namespace NativeCnn.Cli.Pipeline;

/// <summary>A progress bar with rate and ETA on stderr (so stdout stays machine-readable), shown for more than one item.</summary>
public static class ProgressDisplay
{
    private static readonly IAnsiConsole Err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>Runs <paramref name="body"/> for each item index, advancing a bar when there are several items.</summary>
    public static void ForEach(int count, string title, Action<int> body)
    {
        if (count <= 1 || Console.IsErrorRedirected)
        {
            for (int i = 0; i < count; i++)
            {
                body(i);
            }

            return;
        }

        Err.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RateColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: count);
                for (int i = 0; i < count; i++)
                {
                    body(i);
                    task.Increment(1);
                }
            });
    }

    /// <summary>Items per second since the task started.</summary>
    private sealed class RateColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            double s = task.ElapsedTime?.TotalSeconds ?? 0;
            return new Text(s > 0 ? $"{task.Value / s:F1}/s" : "-/s");
        }
    }
}
