namespace PhotoApi.Workers;

public static class WorkerProgram
{
    public static async Task Main(string[] args)
    {
        var host = WorkerHost.CreateBuilder(args).Build();
        await WorkerHost.PrepareAsync(host);
        await host.RunAsync();
    }
}
