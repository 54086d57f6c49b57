using ImageEdit.TestServer;

// Usage: ImageEdit.TestServer [--port N] [--api-key KEY]    serve until stdin closes or Ctrl+C
//        ImageEdit.TestServer --make-samples DIR             write the project's sample images
//        ImageEdit.TestServer --make-fixtures DIR            write the extra images the Pester checks use
var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--")).ToDictionary(p => p.a, p => p.i + 1 < args.Length ? args[p.i + 1] : "");
if (options.TryGetValue("--make-samples", out var samples))
{
    ImageFactory.WriteSamples(samples);
    return 0;
}
if (options.TryGetValue("--make-fixtures", out var fixtures))
{
    ImageFactory.WriteFixtures(fixtures);
    return 0;
}
int port = options.TryGetValue("--port", out var p) ? int.Parse(p) : 0;
string key = options.TryGetValue("--api-key", out var k) ? k : TestApiServer.DefaultApiKey;
await using var server = await TestApiServer.StartAsync(port, key);
Console.WriteLine($"Listening on {server.BaseUri}");
Console.Out.Flush();

var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.TrySetResult();
// The parent (Pester, build.ps1) holds stdin open; when it exits or closes it, the server ends too.
_ = Task.Run(() => { while (Console.In.Read() >= 0) { } stop.TrySetResult(); });
await stop.Task;
return 0;
