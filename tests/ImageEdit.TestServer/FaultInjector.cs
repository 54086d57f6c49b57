using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace ImageEdit.TestServer;

/// <summary>
/// One fault a test wants at a route, posted to /_control/faults. Method and Path say where (Path is the request path,
/// "*" standing for one segment: "/v1/files/*/content"); Action says what:
/// <list type="bullet">
/// <item>"status": answer Status (500, 503, 429 ...) with an OpenAI error body and Headers, without handling the request;</item>
/// <item>"reset-before": close the connection on arrival, without handling the request;</item>
/// <item>"reset-after": handle the request (a batch is created, a file stored, an image paid for), then close the
/// connection without sending the answer;</item>
/// <item>"hang-after": handle the request, then send nothing until the client gives up (a timeout after the request
/// was sent).</item>
/// <item>"pause-midway": handle the request, send the first Bytes bytes of the answer (half of it when Bytes is 0), then
/// pause for DelayMs before the rest (a slow download, during which a test can disturb the client or kill it).</item>
/// </list>
/// Repeat: how many matching requests in a row it applies to; Skip: how many matching requests pass untouched first
/// (the third upload of a run, say).
/// </summary>
public sealed class FaultStep
{
    [JsonPropertyName("method")] public string? Method { get; set; }
    [JsonPropertyName("path")] public string Path { get; set; } = "";
    [JsonPropertyName("action")] public string Action { get; set; } = "status";
    [JsonPropertyName("status")] public int Status { get; set; } = 500;
    [JsonPropertyName("headers")] public Dictionary<string, string>? Headers { get; set; }
    [JsonPropertyName("repeat")] public int Repeat { get; set; } = 1;
    [JsonPropertyName("skip")] public int Skip { get; set; }
    /// <summary>pause-midway: how many bytes of the answer go before the pause (0: half).</summary>
    [JsonPropertyName("bytes")] public long Bytes { get; set; }
    /// <summary>pause-midway: how long the pause lasts, in milliseconds.</summary>
    [JsonPropertyName("delayMs")] public int DelayMs { get; set; } = 5000;
}

/// <summary>What a fault did: the route it hit, the action, and the request's sequence number in /_control/requests.</summary>
public sealed record InjectedFault(
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("status")] int Status);

/// <summary>
/// The faults queued for each route, applied in front of every handler (the control routes excepted). A fault that
/// lets the handler run first ("-after") keeps its answer in memory, so the client never sees a byte of it.
/// </summary>
public sealed class FaultInjector
{
    private static readonly string[] Actions = ["status", "reset-before", "reset-after", "hang-after", "pause-midway"];
    private readonly List<(FaultStep Step, Regex Path, int Left, int Skip)> _steps = new();
    private readonly ConcurrentQueue<InjectedFault> _injected = new();
    private readonly object _gate = new();

    public IReadOnlyList<InjectedFault> Injected => _injected.ToArray();

    /// <summary>Queues faults; a problem with any of them queues none and is returned.</summary>
    public string? Add(IEnumerable<FaultStep> steps)
    {
        var parsed = new List<(FaultStep, Regex, int, int)>();
        foreach (var step in steps)
        {
            if (!Actions.Contains(step.Action))
            {
                return $"Unknown fault action '{step.Action}': use {string.Join(", ", Actions)}.";
            }
            if (!step.Path.StartsWith('/'))
            {
                return $"A fault's path must start with '/': '{step.Path}'.";
            }
            string pattern = "^" + string.Join("[^/]+", step.Path.Split('*').Select(Regex.Escape)) + "/?$";
            parsed.Add((step, new Regex(pattern, RegexOptions.CultureInvariant), Math.Max(1, step.Repeat), Math.Max(0, step.Skip)));
        }
        lock (_gate)
        {
            _steps.AddRange(parsed);
        }
        return null;
    }

    public void Clear()
    {
        lock (_gate)
        {
            _steps.Clear();
        }
        _injected.Clear();
    }

    /// <summary>The middleware: takes the first queued fault that matches the request, if any, and carries it out around the handler.</summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        string path = context.Request.Path.Value ?? "";
        var step = path.StartsWith("/_control", StringComparison.Ordinal) ? null : Take(context.Request.Method, path);
        if (step is null)
        {
            await next(context);
            return;
        }
        _injected.Enqueue(new InjectedFault(context.Request.Method, path, step.Action, step.Action == "status" ? step.Status : 0));
        switch (step.Action)
        {
            case "status":
                await DrainAsync(context);
                context.Response.StatusCode = step.Status;
                context.Response.ContentType = "application/json";
                foreach (var header in step.Headers ?? new Dictionary<string, string>())
                {
                    context.Response.Headers[header.Key] = header.Value;
                }
                context.Response.Headers["x-request-id"] = $"req_fault_{_injected.Count}";
                string type = step.Status == 429 ? "rate_limit_exceeded" : "server_error";
                await context.Response.WriteAsync($"{{\"error\":{{\"message\":\"Injected fault: HTTP {step.Status}.\",\"type\":\"{type}\",\"param\":null,\"code\":null}}}}",
                    Encoding.UTF8);
                return;
            case "reset-before":
                await DrainAsync(context);
                context.Abort();
                return;
            default:
                // The handler runs in full, its answer kept here; then the client gets nothing (a reset, or silence).
                var real = context.Response.Body;
                var captured = new MemoryStream();
                context.Response.Body = captured;
                try
                {
                    await next(context);
                }
                finally
                {
                    context.Response.Body = real;
                }
                if (step.Action == "pause-midway")
                {
                    await SendWithPauseAsync(context, (MemoryStream)captured, step);
                    return;
                }
                if (step.Action == "hang-after")
                {
                    try
                    {
                        await Task.Delay(TimeSpan.FromMinutes(10), context.RequestAborted);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
                context.Abort();
                return;
        }
    }

    private FaultStep? Take(string method, string path)
    {
        lock (_gate)
        {
            for (int i = 0; i < _steps.Count; i++)
            {
                var (step, pattern, left, skip) = _steps[i];
                if ((step.Method is null || step.Method.Equals(method, StringComparison.OrdinalIgnoreCase)) && pattern.IsMatch(path))
                {
                    if (skip > 0)
                    {
                        _steps[i] = (step, pattern, left, skip - 1);
                        return null;
                    }
                    if (left <= 1)
                    {
                        _steps.RemoveAt(i);
                    }
                    else
                    {
                        _steps[i] = (step, pattern, left - 1, 0);
                    }
                    return step;
                }
            }
        }
        return null;
    }

    /// <summary>Sends the captured answer in two parts with a pause between them; a client that leaves ends it early.</summary>
    private static async Task SendWithPauseAsync(HttpContext context, MemoryStream answer, FaultStep step)
    {
        byte[] bytes = answer.ToArray();
        int first = (int)Math.Clamp(step.Bytes > 0 ? step.Bytes : bytes.Length / 2, 0, bytes.Length);
        try
        {
            context.Response.ContentLength ??= bytes.Length;
            await context.Response.Body.WriteAsync(bytes.AsMemory(0, first), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(Math.Max(0, step.DelayMs), context.RequestAborted);
            await context.Response.Body.WriteAsync(bytes.AsMemory(first), context.RequestAborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException || ex is IOException)
        {
            context.Abort();
        }
    }

    /// <summary>Reads the request body to its end, so that the client has sent it all before the fault.</summary>
    private static async Task DrainAsync(HttpContext context)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (await context.Request.Body.ReadAsync(buffer, context.RequestAborted) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is IOException || ex is OperationCanceledException || ex is BadHttpRequestException)
        {
        }
    }
}
