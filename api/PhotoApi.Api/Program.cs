using PhotoApi.Api;

var builder = WebApplication.CreateBuilder(args);
builder.AddPhotoApi();
var app = builder.Build();
app.UsePhotoApi();
await app.MigrateDatabaseAsync();
await app.RunAsync();

/// <summary>Entry point; public so the integration tests can host the real application.</summary>
public partial class Program;
