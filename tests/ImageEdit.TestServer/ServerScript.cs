using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace ImageEdit.TestServer;

/// <summary>
/// One scripted answer for the next edit request, posted by a test to /_control/script. With no step queued the
/// server answers normally. Action: respond (the default), drop (close the connection), truncate (cut the JSON
/// body short), html (a proxy's error page), redirect (to Location).
/// </summary>
public sealed class ScriptStep
{
    [JsonPropertyName("action")] public string Action { get; set; } = "respond";
    [JsonPropertyName("status")] public int? Status { get; set; }
    [JsonPropertyName("headers")] public Dictionary<string, string>? Headers { get; set; }
    [JsonPropertyName("body")] public string? Body { get; set; }
    [JsonPropertyName("contentType")] public string? ContentType { get; set; }
    [JsonPropertyName("delayMs")] public int DelayMs { get; set; }
    [JsonPropertyName("location")] public string? Location { get; set; }
    /// <summary>Streaming: milliseconds between events.</summary>
    [JsonPropertyName("pauseMs")] public int? PauseMs { get; set; }
    /// <summary>Streaming: send an error event after this many events.</summary>
    [JsonPropertyName("errorAfter")] public int? ErrorAfter { get; set; }
    /// <summary>Streaming: end the stream after this many events, without the completed event.</summary>
    [JsonPropertyName("cutAfter")] public int? CutAfter { get; set; }
    /// <summary>Streaming, with cutAfter: "end" closes the stream cleanly (the default); "reset" drops the connection, as a network failure does.</summary>
    [JsonPropertyName("cutBy")] public string? CutBy { get; set; }
    /// <summary>Streaming: split every event's JSON over several data: lines, with comments and an unknown event between.</summary>
    [JsonPropertyName("multiline")] public bool Multiline { get; set; }
    /// <summary>Pad every returned image (streamed or not) to this many bytes, for the benchmark.</summary>
    [JsonPropertyName("imageBytes")] public int? ImageBytes { get; set; }
    /// <summary>Applies to this many requests in a row.</summary>
    [JsonPropertyName("repeat")] public int Repeat { get; set; } = 1;
    /// <summary>
    /// When set, the step waits for a request whose (first) image has this file name, whatever order requests arrive in
    /// (for a JSON edit: the filename its first file_id was uploaded with).
    /// </summary>
    [JsonPropertyName("fileName")] public string? FileName { get; set; }
}

/// <summary>
/// The scripted answers, shared by concurrent requests: steps with a file name go to the next request for that file;
/// the others go to requests in the order they arrive.
/// </summary>
public sealed class ServerScript
{
    private readonly ConcurrentQueue<ScriptStep> _steps = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<ScriptStep>> _byFile = new(StringComparer.Ordinal);

    public void Enqueue(IEnumerable<ScriptStep> steps)
    {
        foreach (var step in steps)
        {
            var queue = step.FileName is null ? _steps : _byFile.GetOrAdd(step.FileName, _ => new ConcurrentQueue<ScriptStep>());
            for (int i = 0; i < Math.Max(1, step.Repeat); i++)
            {
                queue.Enqueue(step);
            }
        }
    }

    public ScriptStep? Next(RecordedRequest request)
    {
        // A JSON edit has no part names; its first image, if given by file_id, goes by the name it was uploaded with.
        string? fileName = request.Files.FirstOrDefault(f => f.Name is "image" or "image[]")?.FileName
            ?? request.ImageRefs.FirstOrDefault(r => r.Role == "image")?.FileName;
        if (fileName != null && _byFile.TryGetValue(fileName, out var keyed) && keyed.TryDequeue(out var forFile))
        {
            return forFile;
        }
        return _steps.TryDequeue(out var step) ? step : null;
    }

    public void Clear()
    {
        _steps.Clear();
        _byFile.Clear();
    }
}
