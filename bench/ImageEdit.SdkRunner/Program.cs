using System.ClientModel;
using System.Diagnostics;
using OpenAI;
using OpenAI.Images;

// Usage: ImageEdit.SdkRunner <small|batch|save> <baseUri> <apiKey> <outDir> <image>...
//   small  one edit of the first image
//   batch  one edit per image, 8 at a time
//   save   one edit of the first image with n=10, each result written to outDir
// Prints one line of JSON: the wall time of the work (start-up excluded) and the process's peak resident memory.
string scenario = args[0];
var client = new ImageClient("gpt-image-1.5", new ApiKeyCredential(args[2]), new OpenAIClientOptions { Endpoint = new Uri(args[1]) });
string outDir = args[3];
string[] images = args[4..];
Directory.CreateDirectory(outDir);

var watch = Stopwatch.StartNew();
switch (scenario)
{
    case "small":
        await SaveAsync((await client.GenerateImageEditAsync(images[0], "benchmark")).Value, Path.Combine(outDir, "small.png"));
        break;
    case "batch":
        using (var slots = new SemaphoreSlim(8))
        {
            await Task.WhenAll(images.Select(async (image, i) =>
            {
                await slots.WaitAsync();
                try
                {
                    await SaveAsync((await client.GenerateImageEditAsync(image, "benchmark")).Value, Path.Combine(outDir, $"batch-{i}.png"));
                }
                finally
                {
                    slots.Release();
                }
            }));
        }
        break;
    case "save":
        var collection = (await client.GenerateImageEditsAsync(images[0], "benchmark", 10)).Value;
        for (int i = 0; i < collection.Count; i++)
        {
            await SaveAsync(collection[i], Path.Combine(outDir, $"save-{i}.png"));
        }
        break;
    default:
        throw new ArgumentException("Unknown scenario " + scenario);
}
watch.Stop();
Console.WriteLine($"{{\"ms\":{watch.Elapsed.TotalMilliseconds:0},\"peakMB\":{PeakResidentMegabytes():0.0}}}");

static async Task SaveAsync(GeneratedImage image, string path)
{
    await using var file = File.Create(path);
    await image.ImageBytes.ToStream().CopyToAsync(file);
}

static double PeakResidentMegabytes()
{
    foreach (var line in File.ReadLines("/proc/self/status"))
    {
        if (line.StartsWith("VmHWM:")) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
    }
    return double.NaN;
}
