using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using ImageEdit.Requests;
using ImageEdit.Http;
using ImageEdit.Models;

namespace ImageEdit.Benchmarks;

/// <summary>Writing a request of four 8 MB images: the streamed multipart body against reading the files whole first.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 6)]
public class MultipartBenchmarks
{
    private string _folder = "";
    private ImageEditRequest _request = null!;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), "imageedit-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        var files = new List<string>();
        var random = new Random(1);
        for (int i = 0; i < 4; i++)
        {
            var bytes = new byte[8 * 1024 * 1024];
            random.NextBytes(bytes);
            new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(bytes, 0);
            string path = Path.Combine(_folder, $"image-{i}.png");
            File.WriteAllBytes(path, bytes);
            files.Add(path);
        }
        _request = new ImageEditRequest(files, "benchmark", fields: new Dictionary<string, object?> { ["n"] = 2, ["size"] = "1024x1024" });
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_folder, recursive: true);

    [Benchmark(Description = "ImageEdit streamed multipart body")]
    public async Task StreamedBody()
    {
        using var body = MultipartEditEncoder.Build(_request, CancellationToken.None);
        await body.CopyToAsync(Stream.Null);
    }

    [Benchmark(Baseline = true, Description = "MultipartFormDataContent with files read whole")]
    public async Task BufferedBody()
    {
        using var body = new MultipartFormDataContent();
        body.Add(new StringContent(_request.Prompt), "prompt");
        foreach (var image in _request.Images)
        {
            body.Add(new ByteArrayContent(await File.ReadAllBytesAsync(image.Value)), "image[]", Path.GetFileName(image.Value));
        }
        await body.CopyToAsync(Stream.Null);
    }
}
