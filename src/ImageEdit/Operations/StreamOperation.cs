using System;
using System.IO;
using System.Management.Automation;
using System.Net;
using System.Net.Http;
using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Http;
using ImageEdit.Http.Wire;
using ImageEdit.Models;
using ImageEdit.Output;
using ImageEdit.Pipeline;

namespace ImageEdit.Operations
{
    /// <summary>
    /// One Get-ImageEditStream request: reads the text/event-stream answer with SseParser and writes each event to
    /// the pipeline the moment it arrives. An error event, or a stream that ends without image_edit.completed, is an error.
    /// </summary>
    internal sealed class StreamOperation
    {
        public const string PartialImageEvent = "image_edit.partial_image";
        public const string CompletedEvent = "image_edit.completed";
        private static int _activityIds;
        private readonly ApiConnection _connection;
        private readonly ImageFileWriter? _writer;

        public StreamOperation(ApiConnection connection, ImageFileWriter? writer)
        {
            _connection = connection;
            _writer = writer;
        }

        public Task RunAsync(ImageEditRequest request, IOutputSink sink, CancellationToken cancellation) =>
            new ApiClient(_connection, sink).SendAsync(request, (response, attempt) => ReadEventsAsync(request, response, attempt, sink), cancellation);

        private async Task<bool> ReadEventsAsync(ImageEditRequest request, HttpResponseMessage response, TryContext attempt, IOutputSink sink)
        {
            string? requestId = ApiClient.RequestId(response);
            string? mediaType = response.Content.Headers.ContentType?.MediaType;
            if (!string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
            {
                byte[] body = await ApiClient.ReadAtMostAsync(response, 4096, attempt.Token).ConfigureAwait(false);
                throw new ApiException(response.StatusCode, $"The API answered a streamed request with {mediaType ?? "no content type"} instead of text/event-stream" +
                    ApiErrorParser.DescribeBody(body, mediaType), null, null, null, requestId);
            }

            string name = Path.GetFileName(request.SourcePath);
            var progress = new ProgressRecord(Interlocked.Increment(ref _activityIds), $"Streaming the edit of {name}", "Waiting for the first image");
            sink.Verbose($"Stream opened for {name}" + (requestId is null ? "" : $" (request id {requestId})"));
            sink.WriteProgress(progress);
            int events = 0;
            try
            {
                using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                var parser = SseParser.Create(stream, (type, data) => new RawEvent(type, data.ToArray()));
                await foreach (var item in parser.EnumerateAsync(attempt.Token).ConfigureAwait(false))
                {
                    attempt.DataArrived();
                    var raw = item.Data;
                    string type = raw.EventType;
                    if (type == "error")
                    {
                        throw StreamError(response.StatusCode, raw.Data, requestId);
                    }
                    if (type == SseParser.EventTypeDefault)
                    {
                        type = TypeFromPayload(raw.Data) ?? type;
                    }
                    if (type != PartialImageEvent && type != CompletedEvent)
                    {
                        sink.Verbose($"Skipped an event of a type this version does not know: '{type}'.");
                        continue;
                    }

                    var payload = Parse(raw.Data, type, response.StatusCode, requestId);
                    events++;
                    if (type == PartialImageEvent)
                    {
                        int index = payload.PartialImageIndex ?? events - 1;
                        string? path = await SaveAsync(payload, OutputNames.Partial(request.SourcePath, index), sink, attempt.Token).ConfigureAwait(false);
                        sink.WriteObject(new ImageEditPartialImageEvent(payload.B64Json, WireMapping.FromUnixTime(payload.CreatedAt), payload.Size, payload.Quality,
                            payload.Background, payload.OutputFormat, index, request.SourcePath, requestId, path));
                        attempt.Commit();
                        progress.StatusDescription = request.PartialImages is int total && total > 0
                            ? $"Partial image {index + 1} of {total} received"
                            : $"Partial image {index + 1} received";
                        if (request.PartialImages is int expected && expected > 0)
                        {
                            progress.PercentComplete = Math.Min(99, (index + 1) * 100 / (expected + 1));
                        }
                        sink.WriteProgress(progress);
                    }
                    else
                    {
                        string? path = await SaveAsync(payload, OutputNames.Edited(request.SourcePath, 0, 1), sink, attempt.Token).ConfigureAwait(false);
                        sink.WriteObject(new ImageEditCompletedEvent(payload.B64Json, WireMapping.FromUnixTime(payload.CreatedAt), payload.Size, payload.Quality,
                            payload.Background, payload.OutputFormat, WireMapping.ToUsage(payload.Usage), request.SourcePath, requestId, path));
                        attempt.Commit();
                        sink.Verbose($"Stream closed for {name} after {events} image event(s).");
                        return true;
                    }
                }
            }
            finally
            {
                progress.RecordType = ProgressRecordType.Completed;
                sink.WriteProgress(progress);
            }

            string message = $"The stream ended after {events} image event(s) without {CompletedEvent}: the final image never arrived";
            if (!attempt.IsCommitted)
            {
                // Nothing reached the pipeline yet, so asking again cannot duplicate anything.
                throw new TransientAnswerException(message + ".");
            }
            throw new ApiException(response.StatusCode, message + ".", null, null, null, requestId, kind: ApiFailureKind.StreamIncomplete);
        }

        private async Task<string?> SaveAsync(StreamEventDto payload, string baseName, IOutputSink sink, CancellationToken cancellation)
        {
            if (_writer is null || payload.B64Json is null)
            {
                return null;
            }
            string path = await _writer.SaveBase64Async(payload.B64Json, baseName, cancellation).ConfigureAwait(false);
            sink.Verbose($"Saved {path}");
            return path;
        }

        private static StreamEventDto Parse(byte[] data, string type, HttpStatusCode status, string? requestId)
        {
            try
            {
                var payload = JsonSerializer.Deserialize<StreamEventDto>(data);
                if (payload?.B64Json is null)
                {
                    throw new JsonException("it has no b64_json");
                }
                return payload;
            }
            catch (JsonException ex)
            {
                throw new ApiException(status, $"The {type} event could not be read ({ex.Message.Split('.')[0]})" + ApiErrorParser.DescribeBody(data, "event data"),
                    null, null, null, requestId, kind: ApiFailureKind.StreamErrorEvent);
            }
        }

        private static ApiException StreamError(HttpStatusCode status, byte[] data, string? requestId) =>
            ApiErrorParser.TryParseError(data, out var message, out var type, out var param, out var code)
                ? new ApiException(status, message!, type, param, code, requestId, kind: ApiFailureKind.StreamErrorEvent)
                : new ApiException(status, "The API sent an error event" + ApiErrorParser.DescribeBody(data, "event data"), null, null, null, requestId,
                    kind: ApiFailureKind.StreamErrorEvent);

        private static string? TypeFromPayload(byte[] data)
        {
            try
            {
                using var document = JsonDocument.Parse(data);
                return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("type", out var type)
                    ? type.GetString()
                    : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private readonly struct RawEvent
        {
            public RawEvent(string eventType, byte[] data)
            {
                EventType = eventType;
                Data = data;
            }

            public string EventType { get; }
            public byte[] Data { get; }
        }
    }
}
