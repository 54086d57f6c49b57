using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace ImageEdit.TestServer;

/// <summary>
/// Answers stream=true as text/event-stream: partial_images partial-image events, then image_edit.completed,
/// flushed one by one with a pause between, and on a script's word an error event, a cut, or data split over lines.
/// </summary>
internal sealed class EventStreamWriter(HttpContext context, RecordedRequest recorded, ScriptStep? step)
{
    public async Task WriteAsync()
    {
        var response = context.Response;
        recorded.Status = 200;
        response.StatusCode = 200;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        await response.Body.FlushAsync();

        int partials = int.TryParse(recorded.Field("partial_images"), out var p) ? p : 0;
        var (width, height) = TestApiServer.ParseSize(recorded.Field("size"));
        string format = recorded.Field("output_format") ?? "png";
        int pause = step?.PauseMs ?? 0;
        int sent = 0;
        for (int index = 0; index <= partials; index++)
        {
            if (step?.ErrorAfter == sent)
            {
                recorded.Outcome = "error-event";
                var error = new JsonObject { ["type"] = "error", ["error"] = JsonNode.Parse(TestApiServer.ErrorJson("The image could not be generated (scripted).", "server_error", null, "image_generation_failed"))!["error"]!.DeepClone() };
                await SendAsync("error", error);
                return;
            }
            if (step?.CutAfter == sent)
            {
                recorded.Outcome = "cut";
                if (step.CutBy == "reset")
                {
                    // A reset makes the client's kernel drop what it has received and not yet read; the pause lets the
                    // events sent so far be read first, as on a real network where the cut comes later than the data.
                    await response.Body.FlushAsync();
                    await Task.Delay(300);
                    context.Abort();
                }
                return;
            }
            if (sent > 0 && pause > 0)
            {
                await Task.Delay(pause, context.RequestAborted);
            }
            bool completed = index == partials;
            var payload = Event(completed, index, width, height, format);
            await SendAsync(completed ? "image_edit.completed" : "image_edit.partial_image", payload);
            sent++;
        }
        recorded.Outcome = "completed";
    }

    private JsonObject Event(bool completed, int index, int width, int height, string format)
    {
        byte[] image = step?.ImageBytes is { } size ? ImageFactory.Padded(ImageFactory.Create(width, height, format, recorded.Sequence * 10 + index), size) : ImageFactory.Create(width, height, format, recorded.Sequence * 10 + index);
        lock (recorded.ReturnedImageSha256) recorded.ReturnedImageSha256.Add(TestApiServer.Sha256(image));
        var payload = new JsonObject
        {
            ["type"] = completed ? "image_edit.completed" : "image_edit.partial_image",
            ["b64_json"] = Convert.ToBase64String(image),
            ["created_at"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["size"] = recorded.Field("size") ?? "1024x1024",
            ["quality"] = recorded.Field("quality") ?? "auto",
            ["background"] = recorded.Field("background") ?? "auto",
            ["output_format"] = format,
        };
        if (completed)
        {
            payload["usage"] = TestApiServer.Usage(recorded);
        }
        else
        {
            payload["partial_image_index"] = index;
        }
        return payload;
    }

    private async Task SendAsync(string eventName, JsonObject payload)
    {
        var text = new StringBuilder();
        if (step?.Multiline == true)
        {
            text.Append(": a comment line, which clients must skip\n");
            text.Append("event: image_edit.unknown_future_event\ndata: {\"type\":\"image_edit.unknown_future_event\"}\n\n");
            text.Append("event: ").Append(eventName).Append('\n');
            foreach (var line in payload.ToJsonString(new JsonSerializerOptions { WriteIndented = true }).Split('\n'))
            {
                text.Append("data: ").Append(line.TrimEnd('\r')).Append('\n');
            }
            text.Append('\n');
        }
        else
        {
            text.Append("event: ").Append(eventName).Append("\ndata: ").Append(payload.ToJsonString(ApiJson.Options)).Append("\n\n");
        }
        byte[] bytes = Encoding.UTF8.GetBytes(text.ToString());
        lock (recorded.EventsSentAt) recorded.EventsSentAt.Add(DateTimeOffset.UtcNow);
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}
