using ImageEdit.TestServer;

namespace ImageEdit.Tests;

/// <summary>One real local API server (Kestrel on 127.0.0.1) shared by a test class.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public TestApiServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestApiServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
