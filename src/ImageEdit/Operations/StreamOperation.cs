using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.IO;
using System.Management.Automation;
using System.Net;
using System.Net.Http;
using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Http;
using ImageEdit.Models;
using ImageEdit.Output;
using ImageEdit.Pipeline;
using ImageEdit.Responses;
using ImageEdit.Requests;

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
        private readonly ApiConnection _connection;
        private readonly EditContext _context;
        private readonly ImageFileWriter? _writer;

        public StreamOperation(ApiConnection connection, EditContext context)
        {
            _connection = connection;
            _context = context;
            _writer = context.Writer;
        }

        public async Task RunAsync(ImageEditRequest request, IOutputSink sink, CancellationToken cancellation)
        {
            var digests = _context.Record is null ? null : new ConcurrentDictionary<string, FileDigest>(StringComparer.Ordinal);
            var client = new ApiClient(_connection, sink, new UploadProgress(sink.WriteProgress, sink.BatchActivityId));
            try
            {
                await EditCall.SendAsync(client, request, _connection,
                    (response, attempt) => ReadEventsAsync(request, response, attempt, sink, digests ?? new ConcurrentDictionary<string, FileDigest>()), digests, cancellation).ConfigureAwait(false);
            }
            finally
            {
                _context.Tally.AddSentAgainAfterSent(client.SentAgainAfterLostAnswer);
            }
        }

        private async Task<bool> ReadEventsAsync(ImageEditRequest request, HttpResponseMessage response, TryContext attempt, IOutputSink sink,
            IReadOnlyDictionary<string, FileDigest> digests)
        {
            var recorded = new List<RecordKeeper.Saved>();
            string? requestId = ApiClient.RequestId(response);
            string? mediaType = response.Content.Headers.ContentType?.MediaType;
            if (!string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
            {
                byte[] body = await ApiClient.ReadAtMostAsync(response, 4096, attempt.Token).ConfigureAwait(false);
                throw new ApiException(response.StatusCode, $"The API answered a streamed request with {mediaType ?? "no content type"} instead of text/event-stream" +
                    ApiErrorParser.DescribeBody(body, mediaType), null, null, null, requestId);
            }

            string name = request.Source.Display;
            var progress = new ProgressRecord(ActivityIds.Next(), $"Streaming the edit of {name}", "Waiting for the first image")
            {
                ParentActivityId = sink.BatchActivityId,
            };
            sink.Verbose($"Stream opened for {name}" + (requestId is null ? "" : $" (request id {requestId})"));
            sink.WriteProgress(progress);
            int events = 0;
            bool completed = false;
            try
            {
                using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                var parser = SseParser.Create(stream, (type, data) => ParseEvent(type, data, response.StatusCode, requestId));
                try
                {
                    await foreach (var item in parser.EnumerateAsync(attempt.Token).ConfigureAwait(false))
                    {
                        attempt.DataArrived();
                        using var streamEvent = item.Data;
                        if (streamEvent.Error != null)
                        {
                            throw streamEvent.Error;
                        }
                        if (streamEvent.Payload is null)
                        {
                            sink.Verbose($"Skipped an event of a type this version does not know: '{streamEvent.Type}'.");
                            continue;
                        }

                        var payload = streamEvent.Payload;
                        var image = payload.Images[0];
                        events++;
                        if (streamEvent.Type == PartialImageEvent)
                        {
                            int index = payload.PartialImageIndex ?? events - 1;
                            var saved = Commit(image, OutputNames.Partial(request.Source.Stem, index), sink);
                            if (saved != null) recorded.Add(new RecordKeeper.Saved(saved, "partial", index));
                            sink.WriteObject(new ImageEditPartialImageEvent(image.B64Json, WireMapping.FromUnixTime(payload.Created), payload.Size, payload.Quality,
                                payload.Background, payload.OutputFormat, index, request.SourcePath, requestId, saved));
                            ReportSaveFailure(saved, request, sink);
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
                            var saved = Commit(image, OutputNames.Edited(request.Source.Stem, 0, 1), sink);
                            if (saved != null) recorded.Add(new RecordKeeper.Saved(saved, "edited", 0));
                            decimal? cost = _context.Prices.Cost(request.Model, payload.Usage);
                            _context.Tally.AddEdited(recorded.Count(r => r.Image.Path != null), payload.Usage, cost);
                            // The event goes to the pipeline as soon as its file has its name (its Path is true when user
                            // code reads it); the run record's line is written while the pipeline thread hands it on.
                            sink.WriteObject(new ImageEditCompletedEvent(image.B64Json, WireMapping.FromUnixTime(payload.Created), payload.Size, payload.Quality,
                                payload.Background, payload.OutputFormat, WireMapping.ToUsage(payload.Usage), request.SourcePath, requestId, saved) { Cost = cost, Attempts = attempt.Number });
                            attempt.Commit();
                            completed = true;
                            ReportSaveFailure(saved, request, sink);
                            KeepRecord(request, digests, recorded, requestId, payload, sink, cost, attempt.Number);
                            sink.Verbose($"Stream closed for {name} after {events} image event(s).");
                            return true;
                        }
                    }
                }
                catch (OperationCanceledException ex) when (attempt.IsCommitted && attempt.TimedOut)
                {
                    throw StreamWentQuiet(ex, events);
                }
                catch (Exception ex) when (attempt.IsCommitted && IsNetworkFailure(ex))
                {
                    throw StreamCut(ex, events, response.StatusCode, requestId);
                }
            }
            finally
            {
                progress.RecordType = ProgressRecordType.Completed;
                sink.WriteProgress(progress);
                if (!completed)
                {
                    // A stream that does not finish (stopped, cut, an error event) leaves none of its files, like an edit
                    // that fails: its partial images would otherwise be duplicated when the edit is sent again.
                    ImageFileWriter.Remove(recorded.Where(r => r.Image.Path != null).Select(r => r.Image.Path!));
                }
            }

            var incomplete = new ApiException(response.StatusCode, $"The stream ended after {events} image event(s) without {CompletedEvent}: the final image never arrived.",
                null, null, null, requestId, kind: ApiFailureKind.StreamIncomplete);
            if (!attempt.IsCommitted)
            {
                // Nothing reached the pipeline yet, so asking again cannot duplicate anything; if no try gets further, the
                // error is the same StreamIncomplete as for a stream cut later.
                throw new TransientAnswerException(incomplete.Message, finalError: incomplete);
            }
            incomplete.Advice = NotAskedAgain + " Run the command again for this input" + ResumeHint;
            throw incomplete;
        }

        private const string NotAskedAgain = "Images of this stream had already reached the pipeline, so it was not asked for again " +
            "(asking again would pay again and repeat them).";

        private const string ResumeHint = ": with -OutputDirectory and -Resume, only the inputs without a finished result are sent.";

        /// <summary>
        /// A stream whose images have reached the pipeline and that then goes quiet for -TimeoutSec: not asked for again,
        /// since that would repeat its images, so the advice is -TimeoutSec alone.
        /// </summary>
        private Exception StreamWentQuiet(OperationCanceledException ex, int received)
        {
            var quiet = new AdvisedTimeoutException(
                $"The stream sent nothing for {_connection.Timeout.TotalSeconds:0} s (-TimeoutSec) after {received} image event(s), before {CompletedEvent}; it was abandoned.",
                $"Raise -TimeoutSec. {NotAskedAgain} Run the command again for this input{ResumeHint}", ex);
            // The client treats every timed-out try as transient; a committed one is not tried again and ends with this error.
            return new TransientAnswerException(quiet.Message, ex, finalError: quiet);
        }

        /// <summary>A stream whose images have reached the pipeline and whose connection then dropped: incomplete, and not asked for again.</summary>
        private static Exception StreamCut(Exception ex, int received, HttpStatusCode status, string? requestId) =>
            new ApiException(status, $"The stream was cut after {received} image event(s), before {CompletedEvent}: {Innermost(ex).Message}",
                null, null, null, requestId, ex, ApiFailureKind.StreamIncomplete)
            {
                Advice = NotAskedAgain + " Check the network and any proxy, then run the command again for this input" + ResumeHint,
            };

        private static bool IsNetworkFailure(Exception ex)
        {
            for (Exception? inner = ex; inner != null; inner = inner.InnerException)
            {
                if (inner is HttpRequestException || inner is System.Net.Sockets.SocketException || inner.GetType().Namespace == "System.Net.Http")
                {
                    return true;
                }
            }
            return false;
        }

        private static Exception Innermost(Exception ex) => ex.InnerException is null ? ex : Innermost(ex.InnerException);

        /// <summary>Adds the stream's line to the run record once its final image is saved; a record that cannot be written is an error, not a lost result.</summary>
        private void KeepRecord(ImageEditRequest request, IReadOnlyDictionary<string, FileDigest> digests, List<RecordKeeper.Saved> recorded, string? requestId,
            ParsedPayload payload, IOutputSink sink, decimal? cost, int attempts)
        {
            try
            {
                RecordKeeper.Keep(_context, request, _connection, digests, recorded, requestId, payload, cost, attempts);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                sink.WriteError(ErrorRecordFactory.Create(RecordKeeper.NotRecorded(_context, ex), request.SourcePath));
            }
        }

        /// <summary>Gives an image already decoded into its pending file its final name; null when not saving.</summary>
        private static SavedImage? Commit(ParsedImage image, OutputName name, IOutputSink sink)
        {
            if (image.File is null)
            {
                return null;
            }
            var saved = image.PendingFile()!.Commit(name);
            if (saved.Path != null)
            {
                sink.Verbose($"Saved {saved.Path}");
            }
            return saved;
        }

        /// <summary>An image that could not be saved went down the pipeline in its event; its error follows it.</summary>
        private static void ReportSaveFailure(SavedImage? saved, ImageEditRequest request, IOutputSink sink)
        {
            if (saved?.Failure != null)
            {
                sink.WriteError(ErrorRecordFactory.Create(saved.Failure, request.SourcePath));
            }
        }

        /// <summary>
        /// Runs inside SseParser for each event, while its data is still a span: an image event is parsed and its image
        /// decoded straight into a pending file (when saving), so the event's base64 never becomes a string.
        /// </summary>
        private StreamEvent ParseEvent(string type, ReadOnlySpan<byte> data, HttpStatusCode status, string? requestId)
        {
            if (type == "error")
            {
                return new StreamEvent(type, null, StreamError(status, data.ToArray(), requestId));
            }
            if (type == SseParser.EventTypeDefault)
            {
                type = TypeFromPayload(data) ?? type;
            }
            if (type != PartialImageEvent && type != CompletedEvent)
            {
                return new StreamEvent(type, null, null);
            }
            var parser = new ImagePayloadParser(_writer is null ? null : _ => _writer.Begin(OutputNames.Pending));
            try
            {
                parser.Read(data);
                if (parser.Result.Images.Count == 0 || !parser.Result.Images[0].HasImage)
                {
                    throw new JsonException("it has no b64_json");
                }
                return new StreamEvent(type, parser.Result, null);
            }
            catch (JsonException ex)
            {
                parser.Dispose();
                return new StreamEvent(type, null, new ApiException(status, $"The {type} event could not be read ({ex.Message.Split('.')[0]})" +
                    ApiErrorParser.DescribeBody(parser.Excerpt, "event data"), null, null, null, requestId, kind: ApiFailureKind.StreamErrorEvent));
            }
        }

        private static ApiException StreamError(HttpStatusCode status, byte[] data, string? requestId) =>
            ApiErrorParser.TryParseError(data, out var message, out var type, out var param, out var code)
                ? new ApiException(status, message!, type, param, code, requestId, kind: ApiFailureKind.StreamErrorEvent)
                : new ApiException(status, "The API sent an error event" + ApiErrorParser.DescribeBody(data, "event data"), null, null, null, requestId,
                    kind: ApiFailureKind.StreamErrorEvent);

        /// <summary>The "type" of an event sent without an event: line.</summary>
        private static string? TypeFromPayload(ReadOnlySpan<byte> data)
        {
            try
            {
                var reader = new Utf8JsonReader(data);
                while (reader.Read())
                {
                    if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("type") && reader.Read())
                    {
                        return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    }
                }
            }
            catch (JsonException)
            {
            }
            return null;
        }

        /// <summary>One parsed event: an image payload, an error to raise, or neither (an unknown type to skip).</summary>
        private sealed class StreamEvent : IDisposable
        {
            public StreamEvent(string type, ParsedPayload? payload, ApiException? error)
            {
                Type = type;
                Payload = payload;
                Error = error;
            }

            public string Type { get; }
            public ParsedPayload? Payload { get; }
            public ApiException? Error { get; }

            public void Dispose() => Payload?.Dispose();
        }
    }
}
