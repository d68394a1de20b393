namespace NativeCnn.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("nativecnn: not implemented yet");
        return 1;
    }
}
