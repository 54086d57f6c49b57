using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using ImageEdit.Responses;
using ImageEdit.Http;
using ImageEdit.Output;

namespace ImageEdit.Benchmarks;

/// <summary>
/// A stream of three 4 MB partial images and the final one, parsed and saved: ImageEdit's path (SseParser, the
/// token reader, base64 decoded straight into files) against the usual one (deserialize to a string, decode, write).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 6)]
public class StreamBenchmarks
{
    private byte[] _events = Array.Empty<byte>();
    private string _folder = "";

    [GlobalSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), "imageedit-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        var image = new byte[4 * 1024 * 1024];
        new Random(2).NextBytes(image);
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(image, 0);
        string base64 = Convert.ToBase64String(image);
        var text = new StringBuilder();
        for (int i = 0; i < 4; i++)
        {
            string type = i < 3 ? "image_edit.partial_image" : "image_edit.completed";
            text.Append("event: ").Append(type).Append("\ndata: {\"type\":\"").Append(type).Append("\",\"b64_json\":\"").Append(base64)
                .Append("\",\"created_at\":1,\"size\":\"1024x1024\",\"quality\":\"high\",\"background\":\"opaque\",\"output_format\":\"png\"")
                .Append(i < 3 ? $",\"partial_image_index\":{i}" : "").Append("}\n\n");
        }
        _events = Encoding.UTF8.GetBytes(text.ToString());
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_folder, recursive: true);

    [Benchmark(Description = "ImageEdit: SseParser + token reader, base64 straight into files")]
    public async Task<int> DecodeIntoFiles()
    {
        var writer = new ImageFileWriter(_folder, force: true);
        int saved = 0;
        var parser = SseParser.Create(new MemoryStream(_events), (type, data) =>
        {
            var payload = new ImagePayloadParser(_ => writer.Begin("event"));
            payload.Read(data);
            return payload.Result;
        });
        await foreach (var item in parser.EnumerateAsync())
        {
            using var result = item.Data;
            result.Images[0].PendingFile()!.Commit("event-" + saved++);
        }
        return saved;
    }

    [Benchmark(Baseline = true, Description = "Usual: JSON to strings, Convert.FromBase64String, File.WriteAllBytes")]
    public async Task<int> DeserializeThenWrite()
    {
        int saved = 0;
        var parser = SseParser.Create(new MemoryStream(_events));
        await foreach (var item in parser.EnumerateAsync())
        {
            using var document = JsonDocument.Parse(item.Data);
            byte[] bytes = Convert.FromBase64String(document.RootElement.GetProperty("b64_json").GetString()!);
            await File.WriteAllBytesAsync(Path.Combine(_folder, $"usual-{saved++}.png"), bytes);
        }
        return saved;
    }
}
