using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace ImageEdit.TestServer;

/// <summary>
/// The local API server: Kestrel on 127.0.0.1 and a free port, serving POST /v1/images/edits (and the Azure route) in
/// both body forms (multipart and JSON) as the contract describes, the Files API, the Models API and the Batch API,
/// recording every request, and following a script of faults that tests post to it.
/// </summary>
public sealed partial class TestApiServer : IAsyncDisposable
{
    public const string DefaultApiKey = "sk-test-imageedit-0123456789";
    private const int HeadBytesKept = 64 * 1024;
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentDictionary<string, byte[]> _files = new();
    private int _sequence;
    private int _inFlight;

    private TestApiServer(WebApplication app, string apiKey)
    {
        _app = app;
        ApiKey = apiKey;
    }

    public string ApiKey { get; }
    public Uri BaseUri { get; private set; } = null!;
    public Uri Root => new(BaseUri.GetLeftPart(UriPartial.Authority));
    public ServerScript Script { get; } = new();
    /// <summary>Faults queued for any route by /_control/faults: a status, a reset or silence, before or after the handler ran.</summary>
    public FaultInjector Faults { get; } = new();
    /// <summary>What /v1/files holds; JSON edits read file_id references from here.</summary>
    public FileStore Uploads { get; } = new();
    /// <summary>What /v1/models lists; edits consult it for retired models and for new ones a test declared.</summary>
    public ModelCatalog Models { get; } = new();
    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();
    public IEnumerable<RecordedRequest> Edits => _requests.Where(r => r.Method == "POST" && r.Path.EndsWith("/images/edits"));

    public void ClearRequests() => _requests.Clear();

    public static async Task<TestApiServer> StartAsync(int port = 0, string apiKey = DefaultApiKey)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options =>
        {
            options.Listen(System.Net.IPAddress.Loopback, port);
            options.Limits.MaxRequestBodySize = null;
            options.Limits.MinRequestBodyDataRate = null;
        });
        var app = builder.Build();
        var server = new TestApiServer(app, apiKey);
        app.Use(server.Faults.InvokeAsync);
        app.MapPost("/v1/images/edits", server.HandleEditAsync);
        app.MapPost("/openai/deployments/{deployment}/images/edits", server.HandleEditAsync);
        app.MapGet("/files/{id}", server.HandleFileAsync);
        server.MapFilesApi(app);
        server.MapModelsApi(app);
        server.MapBatchesApi(app);
        app.MapGet("/_control/requests", () => Results.Json(server.Requests));
        app.MapDelete("/_control/requests", () => { server.ClearRequests(); return Results.NoContent(); });
        app.MapPost("/_control/script", async (HttpContext context) =>
        {
            var steps = await JsonSerializer.DeserializeAsync<List<ScriptStep>>(context.Request.Body) ?? [];
            server.Script.Enqueue(steps);
            return Results.NoContent();
        });
        app.MapPost("/_control/faults", async (HttpContext context) =>
        {
            List<FaultStep>? steps;
            try
            {
                steps = await JsonSerializer.DeserializeAsync<List<FaultStep>>(context.Request.Body);
            }
            catch (JsonException ex)
            {
                return Results.BadRequest(new { error = "The body must be a JSON array of faults: " + ex.Message });
            }
            return server.Faults.Add(steps ?? []) is { } problem ? Results.BadRequest(new { error = problem }) : Results.NoContent();
        });
        app.MapGet("/_control/faults", () => Results.Json(server.Faults.Injected));
        app.MapPost("/_control/models", async (HttpContext context) =>
        {
            List<ModelEntry>? models;
            try
            {
                models = await JsonSerializer.DeserializeAsync<List<ModelEntry>>(context.Request.Body);
            }
            catch (JsonException ex)
            {
                return Results.BadRequest(new { error = "The body must be a JSON array of models: " + ex.Message });
            }
            return server.Models.Replace(models) is { } problem ? Results.BadRequest(new { error = problem }) : Results.NoContent();
        });
        app.MapPost("/_control/reset", () =>
        {
            server.Script.Clear();
            server.Faults.Clear();
            server.ClearRequests();
            server.Models.Reset();
            server.Uploads.Clear();
            server.Batches.Reset();
            return Results.NoContent();
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUri = new Uri(address.Replace("[::1]", "127.0.0.1").TrimEnd('/') + "/v1");
        return server;
    }

    private async Task HandleEditAsync(HttpContext context)
    {
        var recorded = Record(context);
        recorded.InFlightOnArrival = Interlocked.Increment(ref _inFlight);
        try
        {
            await AnswerEditAsync(context, recorded);
        }
        finally
        {
            recorded.AnsweredAt = DateTimeOffset.UtcNow;
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task AnswerEditAsync(HttpContext context, RecordedRequest recorded)
    {
        context.Response.Headers["x-request-id"] = RequestId(recorded);
        recorded.BodyForm = EditBodyForm(context.Request.ContentType);
        ContractValidator.Problem? parseProblem = recorded.BodyForm == "json"
            ? await JsonEditReader.ReadAsync(context, recorded, Uploads, HeadBytesKept)
            : await ReadMultipartAsync(context, recorded) is { } parseError ? new ContractValidator.Problem(parseError, null, "invalid_multipart") : null;
        var step = Script.Next(recorded);
        if (step?.DelayMs > 0)
        {
            await Task.Delay(step.DelayMs, context.RequestAborted);
        }
        if (context.Request.Path.StartsWithSegments("/openai") && string.IsNullOrEmpty(context.Request.Query["api-version"]))
        {
            // What Azure OpenAI answers a request without api-version.
            await WriteErrorAsync(context, recorded, 404, "Resource not found", "invalid_request_error", null, "404");
            return;
        }
        switch (step?.Action)
        {
            case "drop":
                recorded.Outcome = "dropped";
                context.Abort();
                return;
            case "redirect":
                recorded.Outcome = "redirected";
                recorded.Status = step.Status ?? 307;
                context.Response.StatusCode = recorded.Status;
                context.Response.Headers.Location = step.Location;
                return;
            case "html":
                recorded.Status = step.Status ?? 502;
                await WriteAsync(context, recorded.Status, "text/html; charset=utf-8",
                    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", step.Headers);
                return;
        }

        if (!IsAuthorised(context.Request, out var keyProblem))
        {
            await WriteErrorAsync(context, recorded, 401, keyProblem, "invalid_request_error", null, "invalid_api_key");
            return;
        }
        if (parseProblem != null)
        {
            await WriteErrorAsync(context, recorded, parseProblem.Status, parseProblem.Message, "invalid_request_error", parseProblem.Param, parseProblem.Code);
            return;
        }
        string model = recorded.Field("model") ?? "gpt-image-1.5";
        if (Models.IsRetired(model))
        {
            // What OpenAI answers for a model it no longer serves.
            await WriteErrorAsync(context, recorded, 404, ModelNotFound(model), "invalid_request_error", null, "model_not_found");
            return;
        }
        var problem = recorded.BodyForm == "json" ? ContractValidator.CheckJson(recorded, Models) : ContractValidator.Check(recorded, Models);
        if (problem != null)
        {
            await WriteErrorAsync(context, recorded, problem.Status, problem.Message, "invalid_request_error", problem.Param, problem.Code);
            return;
        }
        if (step?.Status is { } status && step.Action == "respond")
        {
            recorded.Status = status;
            await WriteAsync(context, status, step.ContentType ?? "application/json", step.Body ?? ErrorJson($"Scripted {status}.", "server_error", null, null), step.Headers);
            return;
        }

        if (recorded.Field("stream") == "true")
        {
            await new EventStreamWriter(context, recorded, step).WriteAsync();
            return;
        }
        byte[] body = Encoding.UTF8.GetBytes(BuildImagesResponse(recorded, step).ToJsonString(ApiJson.Options));
        recorded.Status = 200;
        if (step?.Action == "truncate")
        {
            recorded.Outcome = "truncated";
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body.AsMemory(0, body.Length / 2));
            await context.Response.Body.FlushAsync();
            // Let the headers and half the body reach the client before the reset, which would discard them.
            await Task.Delay(150);
            context.Abort();
            return;
        }
        await WriteAsync(context, 200, "application/json", body, step?.Headers);
    }

    private async Task HandleFileAsync(HttpContext context, string id)
    {
        var recorded = Record(context);
        if (!_files.TryGetValue(id, out var bytes))
        {
            recorded.Status = 404;
            context.Response.StatusCode = 404;
            return;
        }
        recorded.Status = 200;
        await WriteAsync(context, 200, "image/png", bytes, null);
    }

    private RecordedRequest Record(HttpContext context)
    {
        var request = context.Request;
        var recorded = new RecordedRequest
        {
            Sequence = Interlocked.Increment(ref _sequence),
            ReceivedAt = DateTimeOffset.UtcNow,
            Method = request.Method,
            Path = request.Path.Value ?? "",
            Query = request.QueryString.Value ?? "",
            ContentLength = request.ContentLength,
            Chunked = request.Headers.TransferEncoding.ToString().Contains("chunked", StringComparison.OrdinalIgnoreCase),
            ContentType = request.ContentType,
        };
        foreach (var header in request.Headers)
        {
            recorded.Headers[header.Key] = header.Value.ToString();
        }
        _requests.Enqueue(recorded);
        return recorded;
    }

    /// <summary>"json" for application/json, "multipart" for multipart/form-data, null for anything else.</summary>
    private static string? EditBodyForm(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType)) return null;
        if (mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)) return "json";
        if (mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)) return "multipart";
        return null;
    }

    internal static string ModelNotFound(string model) => $"The model `{model}` does not exist or you do not have access to it.";

    /// <summary>Reads every part, keeping text fields whole and, of files, only the length, a SHA-256 and the first bytes.</summary>
    private static Task<string?> ReadMultipartAsync(HttpContext context, RecordedRequest recorded) =>
        MultipartBody.ReadAsync(context, recorded, "The request must be multipart/form-data or application/json.", HeadBytesKept,
            copyFor: _ => null,
            onFile: (part, _) => recorded.Files.Add(new RecordedFile(part.Name, HeaderUtilities.RemoveQuotes(part.Disposition.FileName).Value,
                part.Section.ContentType, part.Section.ContentDisposition, part.Length, part.Sha256, part.Head)));

    private bool IsAuthorised(HttpRequest request, out string problem)
    {
        string header = request.Headers.Authorization.ToString();
        string azureKey = request.Headers["api-key"].ToString();
        string? presented = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..] : azureKey.Length > 0 ? azureKey : null;
        if (presented == ApiKey)
        {
            problem = "";
            return true;
        }
        problem = presented is null
            ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
            : $"Incorrect API key provided: {Redact(presented)}. You can find your API key at https://platform.openai.com/account/api-keys.";
        return false;
    }

    private static string Redact(string key) => key.Length <= 8 ? "***" : key[..3] + "*****" + key[^4..];

    private JsonObject BuildImagesResponse(RecordedRequest recorded, ScriptStep? step)
    {
        string model = recorded.Field("model") ?? "gpt-image-1.5";
        bool dallE2 = model == "dall-e-2";
        int n = int.TryParse(recorded.Field("n"), out var count) ? count : 1;
        string format = dallE2 ? "png" : recorded.Field("output_format") ?? "png";
        var (width, height) = ParseSize(recorded.Field("size"));
        bool transparent = recorded.Field("background") == "transparent";
        bool asUrl = dallE2 && recorded.Field("response_format") != "b64_json";
        var data = new JsonArray();
        for (int i = 0; i < n; i++)
        {
            byte[] image = format == "gif"
                ? ImageFactory.CreateAnimatedGif(width, height, int.TryParse(recorded.Field("frame_count"), out int frames) ? frames : 9,
                    int.TryParse(recorded.Field("frame_duration_ms"), out int duration) ? duration : 200, recorded.Sequence * 10 + i)
                : ImageFactory.Create(width, height, format, recorded.Sequence * 10 + i, transparent);
            if (step?.ImageBytes is { } size) image = ImageFactory.Padded(image, size);
            lock (recorded.ReturnedImageSha256) recorded.ReturnedImageSha256.Add(Sha256(image));
            if (asUrl)
            {
                string id = $"img-{recorded.Sequence}-{i}";
                _files[id] = image;
                data.Add(new JsonObject { ["url"] = new Uri(Root, "/files/" + id).AbsoluteUri });
            }
            else
            {
                data.Add(new JsonObject { ["b64_json"] = Convert.ToBase64String(image) });
            }
        }
        var response = new JsonObject { ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["data"] = data };
        if (!dallE2)
        {
            response["background"] = transparent ? "transparent" : "opaque";
            response["output_format"] = format;
            response["size"] = $"{width}x{height}";
            response["quality"] = recorded.Field("quality") is { } q and not "auto" ? q : "medium";
            response["usage"] = Usage(recorded);
        }
        return response;
    }

    internal static JsonObject Usage(RecordedRequest recorded)
    {
        int textTokens = (recorded.Field("prompt")?.Length ?? 0) / 4 + 1;
        int imageTokens = 194 * (recorded.BodyForm == "json" ? recorded.ImageRefs.Count : recorded.Files.Count);
        return new JsonObject
        {
            ["total_tokens"] = textTokens + imageTokens + 1056,
            ["input_tokens"] = textTokens + imageTokens,
            ["output_tokens"] = 1056,
            ["input_tokens_details"] = new JsonObject { ["text_tokens"] = textTokens, ["image_tokens"] = imageTokens },
        };
    }

    /// <summary>The answer's pixel size; kept small for "auto" and the large standard sizes so that tests stay fast.</summary>
    internal static (int Width, int Height) ParseSize(string? size)
    {
        if (size is null or "auto") return (64, 64);
        var parts = size.Split('x');
        // A size a test allowed through /_control/models need not be WIDTHxHEIGHT.
        if (parts.Length != 2 || !int.TryParse(parts[0], out int w) || !int.TryParse(parts[1], out int h) || w <= 0 || h <= 0) return (64, 64);
        int scale = Math.Max(1, Math.Max(w, h) / 256);
        return (Math.Max(1, w / scale), Math.Max(1, h / scale));
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    internal static string RequestId(RecordedRequest recorded) => $"req_test{recorded.Sequence:D6}";

    internal static string ErrorJson(string message, string type, string? param, string? code) =>
        new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = param, ["code"] = code } }.ToJsonString();

    private static Task WriteErrorAsync(HttpContext context, RecordedRequest recorded, int status, string message, string type, string? param, string? code)
    {
        recorded.Status = status;
        recorded.Outcome = code;
        return WriteAsync(context, status, "application/json", ErrorJson(message, type, param, code), null);
    }

    private static Task WriteAsync(HttpContext context, int status, string contentType, string body, Dictionary<string, string>? headers) =>
        WriteAsync(context, status, contentType, Encoding.UTF8.GetBytes(body), headers);

    private static async Task WriteAsync(HttpContext context, int status, string contentType, byte[] body, Dictionary<string, string>? headers)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        foreach (var header in headers ?? [])
        {
            context.Response.Headers[header.Key] = header.Value;
        }
        await context.Response.Body.WriteAsync(body);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
