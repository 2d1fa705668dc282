using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PhotoApi.Testing;
using PhotoApi.Workers;

namespace PhotoApi.IntegrationTests.Infrastructure;

/// <summary>
/// The real API (Program.cs, every middleware) over a fresh PostgreSQL database of its own (a copy of one migrated
/// template, so each test class starts from the same empty schema in milliseconds). The first account is
/// registered as the bootstrap admin and registration is opened, so tests create their own users and never depend on
/// each other's data or order.
/// </summary>
public class ApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AdminPassword = "Admin-Passw0rd";
    public string ConnectionString { get; private set; } = "";
    public string BlobRoot { get; } = Path.Combine(Path.GetTempPath(), "photoapi-test-blobs-" + Guid.NewGuid().ToString("N"));
    public Session Admin { get; private set; } = null!;

    /// <summary>A real worker process' host, next to the API, on the same database and blob store.</summary>
    private IHost? _worker;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Postgres", ConnectionString);
        foreach (var (key, value) in BlobSettings) builder.UseSetting(key, value);
        // Each test client sends its own X-Forwarded-For, so per-IP throttling of one test cannot block another.
        builder.UseSetting("ForwardedHeaders:Enabled", "true");
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
    }

    /// <summary>Where the API and the worker keep blobs: the local folder <see cref="BlobRoot"/>, unless a subclass says otherwise.</summary>
    protected virtual IEnumerable<(string Key, string Value)> BlobSettings => [("Blobs:Root", BlobRoot)];

    /// <summary>Further configuration of a fixture that needs it (e.g. a small batch size, to cross batches with a few rows).</summary>
    protected virtual IEnumerable<(string Key, string Value)> Settings => [];

    /// <summary>Where clients send requests: the in-memory server, unless a subclass serves on a real port (UseKestrel).</summary>
    protected virtual Uri ClientBaseAddress => new("http://localhost");

    /// <summary>Further configuration of the worker host (e.g. its metrics port).</summary>
    protected virtual IEnumerable<(string Key, string Value)> WorkerSettings => [];

    public async Task InitializeAsync()
    {
        ConnectionString = await MigratedDatabase.CreateAsync();
        Diagnostics.ConnectionString = ConnectionString;
        var client = NewClient();
        var created = await client.PostAsJsonAsync("/api/v1/auth/register",
            new { username = "admin", password = AdminPassword, email = "admin@example.test", displayName = "Admin" });
        created.EnsureSuccessStatusCode();
        Admin = await LoginAsync("admin", AdminPassword);
        (await Admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { registrationMode = "open" })).EnsureSuccessStatusCode();
        await StartWorkerAsync();
    }

    /// <summary>Starts the worker host (done by <see cref="InitializeAsync"/>; again after <see cref="StopWorkerAsync"/>).</summary>
    public async Task StartWorkerAsync()
    {
        var workerSettings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = ConnectionString,
            ["Worker:WorkerCount"] = "2",
        };
        foreach (var (key, value) in BlobSettings) workerSettings[key] = value;
        foreach (var (key, value) in WorkerSettings) workerSettings[key] = value;
        _worker = WorkerHost.CreateBuilder([], workerSettings).Build();
        await WorkerHost.PrepareAsync(_worker);
        await _worker.StartAsync();
    }

    /// <summary>Stops the worker host (the backup drill does, while it wipes and restores the database under it).</summary>
    public async Task StopWorkerAsync()
    {
        if (_worker is null) return;
        await _worker.StopAsync();
        _worker.Dispose();
        _worker = null;
    }

    public new async Task DisposeAsync()
    {
        await StopWorkerAsync();
        await base.DisposeAsync();
        await TestDatabase.DropDatabaseAsync(ConnectionString);
        if (Directory.Exists(BlobRoot)) Directory.Delete(BlobRoot, recursive: true);
    }

    /// <summary>Runs a job of the in-process worker now (a recurring sweep, say), in a scope of its own as Hangfire would.</summary>
    public async Task RunJobAsync<TJob>(Func<TJob, Task> run) where TJob : notnull
    {
        using var scope = _worker!.Services.CreateScope();
        await run(scope.ServiceProvider.GetRequiredService<TJob>());
    }

    /// <summary>Files left in the blob store's staging area (must be none after any request has ended).</summary>
    public virtual string[] StagedFiles() =>
        Directory.Exists(Path.Combine(BlobRoot, ".staging")) ? Directory.GetFiles(Path.Combine(BlobRoot, ".staging")) : [];

    /// <summary>A client with a client address of its own.</summary>
    public HttpClient NewClient(string? ip = null)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = ClientBaseAddress });
        client.DefaultRequestHeaders.Add("X-Forwarded-For", ip ?? RandomIp());
        return client;
    }

    public static string RandomIp() => $"10.{Random.Shared.Next(256)}.{Random.Shared.Next(256)}.{Random.Shared.Next(1, 255)}";

    public async Task<Session> LoginAsync(string username, string password)
    {
        var client = NewClient();
        var response = await client.PostAsJsonAsync("/api/v1/auth/login", new { username, password });
        await response.ShouldBe(200);
        var tokens = (await response.Content.ReadFromJsonAsync<Tokens>())!;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        return new Session(client, tokens, username, password);
    }

    /// <summary>A new active user (created by the admin), signed in.</summary>
    public async Task<Session> NewUserAsync(string? name = null)
    {
        var username = (name ?? "user") + "-" + Guid.NewGuid().ToString("N")[..10];
        var password = "Passw0rd-" + Guid.NewGuid().ToString("N")[..6];
        var created = await Admin.Client.PostAsJsonAsync("/api/v1/admin/users",
            new { username, password, email = $"{username}@example.test", displayName = $"User {username}" });
        await created.ShouldBe(201);
        var user = (await created.Content.ReadFromJsonAsync<User>())!;
        var session = await LoginAsync(username, password);
        return session with { UserId = user.Id };
    }
}

public sealed record Tokens(string AccessToken, string RefreshToken, string TokenType, int ExpiresIn);

public sealed record User(Guid Id, string Username, string Email, string DisplayName, string Role, string Status,
    bool PhotoLibraryAllowed, bool TotpEnabled, string SharedSpaceAccess, DateTime CreatedAt, DateTime UpdatedAt);

public sealed record Session(HttpClient Client, Tokens Tokens, string Username, string Password)
{
    public Guid UserId { get; init; }
}

/// <summary>
/// The integration test classes run one after another (the API and worker hosts share process-wide state such as
/// Hangfire's global configuration); each class gets an <see cref="ApiFactory"/>, and so a database, of its own.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ApiCollection
{
    public const string Name = "api";
}
