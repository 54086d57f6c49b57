using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Http;
using ImageEdit.Models;
using ImageEdit.Output;
using ImageEdit.Pipeline;
using ImageEdit.Responses;

namespace ImageEdit.Operations
{
    /// <summary>
    /// Collects a batch into its output folder: reads the output and error files line by line as they arrive, decodes each
    /// answered request's images straight into their files (named as Edit-Image would name them), records them, and writes
    /// one result per answered request and one error per failed line, naming its input. A request already collected (its
    /// line in the record, its files unchanged) is not saved again, so receiving twice, or after an interruption, never
    /// duplicates a file; requests a finished batch never ran are errors that say -Resume sends them again.
    /// </summary>
    internal sealed class BatchReceiver
    {
        private readonly ApiConnection _connection;
        private readonly RunRecord _record;
        private readonly ImageFileWriter _writer;
        private readonly IOutputSink _sink;
        private readonly RunTally _tally = new RunTally();
        private HashSet<string>? _keysWithResults;

        public BatchReceiver(ApiConnection connection, RunRecord record, ImageFileWriter writer, IOutputSink sink)
        {
            _connection = connection;
            _record = record;
            _writer = writer;
            _sink = sink;
        }

        public async Task ReceiveAsync(BatchDto batch, CancellationToken cancellation)
        {
            var carried = _record.ReadTyped<BatchLine>("batch").FirstOrDefault(b => b.Id == batch.Id);
            if (carried is null)
            {
                throw new Pipeline.LocalCheckException("BatchNotInRecord", System.Management.Automation.ErrorCategory.ObjectNotFound, batch.Id,
                    $"The run record in {_record.Folder} does not list {batch.Id}, so which request is which input is not known here.",
                    "Pass the -OutputDirectory the batch was started with (Get-ImageEditBatch -OutputDirectory <folder> lists its batches).");
            }
            // Which line of the record describes each of this batch's requests: an index of offsets, each line read when its answer comes.
            var requests = new RequestLines(_record, _record.IndexTyped<BatchRequestLine>("batchRequest", line =>
            {
                if (line.Plan != carried.Plan)
                {
                    return null;
                }
                int index = int.Parse(line.CustomId.Substring(line.CustomId.LastIndexOf('-') + 1), System.Globalization.CultureInfo.InvariantCulture);
                return index >= carried.FirstLine && index < carried.FirstLine + carried.Requests ? line.CustomId : null;
            }));
            var collected = new Dictionary<string, RecordEntry>(StringComparer.Ordinal);
            foreach (var entry in _record.StreamEntries().Where(e => e.BatchId == batch.Id && e.CustomId != null))
            {
                collected[entry.CustomId!] = entry;
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var fileId in new[] { batch.OutputFileId, batch.ErrorFileId }.Where(id => !string.IsNullOrEmpty(id)))
            {
                await BatchesApi.ReadLinesAsync(_connection, fileId!, _sink, (bytes, attempt) =>
                {
                    OnLine(batch.Id, bytes, requests, collected, seen);
                    attempt.Commit();
                    return Task.CompletedTask;
                }, cancellation).ConfigureAwait(false);
            }
            var missing = requests.Ids.Where(id => !seen.Contains(id)).ToList();
            if (missing.Count > 0 && IsFinished(batch.Status))
            {
                string why = batch.Status == "failed" && batch.Errors?.Data?.Count > 0
                    ? "failed: " + string.Join("; ", batch.Errors.Data.Take(3).Select(e => e.Message?.TrimEnd('.')))
                    : batch.Status;
                foreach (var id in missing)
                {
                    var request = requests.Get(id)!;
                    if (HasLaterResult(request))
                    {
                        _sink.Verbose($"{request.Source} ({id}) did not run in {batch.Id}, but a later run has its result.");
                        continue;
                    }
                    _sink.WriteError(ErrorRecordFactory.Create(NotRun(batch.Id, request, id, why), request.Source));
                }
            }
            else if (missing.Count > 0)
            {
                _sink.Warning($"{batch.Id} is {batch.Status}: {missing.Count} request(s) have no answer yet. Receive again when it has finished (Wait-ImageEditBatch).");
            }
        }

        private void OnLine(string batchId, byte[] bytes, RequestLines requests, Dictionary<string, RecordEntry> collected, HashSet<string> seen)
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            string customId = root.TryGetProperty("custom_id", out var id) ? id.GetString() ?? "" : "";
            var request = requests.Get(customId);
            if (request is null)
            {
                _sink.Verbose($"Skipped a line of {batchId} with an unknown custom_id '{customId}'.");
                return;
            }
            seen.Add(customId);
            var response = root.TryGetProperty("response", out var r) && r.ValueKind == JsonValueKind.Object ? r : (JsonElement?)null;
            int status = response?.TryGetProperty("status_code", out var code) == true && code.TryGetInt32(out int s) ? s : 0;
            string? requestId = response?.TryGetProperty("request_id", out var rid) == true ? rid.GetString() : null;
            if (status >= 200 && status < 300 && response is { } answer && answer.TryGetProperty("body", out var body))
            {
                if (collected.TryGetValue(customId, out var earlier) && Unchanged(earlier))
                {
                    _tally.AddResumed();
                    _sink.WriteObject(Output(earlier, request, resumed: true));
                    return;
                }
                Save(batchId, customId, request, Encoding.UTF8.GetBytes(body.GetRawText()), requestId);
                return;
            }
            if (response is null && HasLaterResult(request))
            {
                _sink.Verbose($"{request.Source} ({customId}) did not run in {batchId}, but a later run has its result.");
                return;
            }
            if (response is null)
            {
                // A line that never ran (the batch expired or was cancelled first): nothing was paid, and -Resume sends it again.
                string why = root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "";
                _sink.WriteError(ErrorRecordFactory.Create(NotRun(batchId, request, customId, why), request.Source));
                return;
            }
            _sink.WriteError(ErrorRecordFactory.Create(LineError(root, response, status, requestId, request), request.Source));
        }

        /// <summary>Whether a later run (-Resume) has given this request's input a result: then it is no longer a failure.</summary>
        private bool HasLaterResult(BatchRequestLine request)
        {
            _keysWithResults ??= new HashSet<string>(_record.StreamEntries().Where(e => e.Files.All(f => f.IsUnchanged(_record.Folder))).Select(e => e.Key), StringComparer.Ordinal);
            return _keysWithResults.Contains(request.Key);
        }

        private static Pipeline.LocalCheckException NotRun(string batchId, BatchRequestLine request, string customId, string why) =>
            new Pipeline.LocalCheckException("BatchRequestNotRun", System.Management.Automation.ErrorCategory.OperationStopped, request.Source,
                $"The batch {batchId} ended before the request for {request.Source} ({customId}) ran{(why.Length > 0 ? ": " + why.TrimEnd('.') : "")}.",
                "Start the batch again with Start-ImageEditBatch -Resume and the same inputs: only what has no result yet is sent.");

        private void Save(string batchId, string customId, BatchRequestLine request, byte[] body, string? requestId)
        {
            var parser = new ImagePayloadParser(index => _writer.Begin(OutputNames.Edited(request.Stem, index, request.Count)));
            try
            {
                parser.Read(body);
            }
            catch (JsonException ex)
            {
                parser.Dispose();
                _sink.WriteError(ErrorRecordFactory.Create(new ApiException(HttpStatusCode.OK, $"The answer to {customId} could not be read ({ex.Message.Split('.')[0]}).",
                    null, null, null, requestId), request.Source));
                return;
            }
            using var answer = parser.Result;
            var files = new List<RecordFile>();
            var failures = new List<Exception>();
            foreach (var image in answer.Images)
            {
                if (image.File is null)
                {
                    continue;
                }
                var saved = image.File.Commit();
                if (saved.Path is null)
                {
                    failures.Add(saved.Failure!);
                    continue;
                }
                files.Add(new RecordFile { Name = Path.GetFileName(saved.Path), Kind = "edited", Index = image.Index, Length = saved.Length, Sha256 = saved.Sha256Hex });
                _sink.Verbose($"Saved {saved.Path}");
            }
            var entry = new RecordEntry
            {
                Time = DateTimeOffset.UtcNow,
                Key = request.Key,
                QuickKey = request.QuickKey,
                Cmdlet = "Receive-ImageEditBatch",
                Endpoint = request.Endpoint,
                BodyForm = "json",
                Model = request.Model,
                Prompt = request.Prompt,
                Fields = request.Fields,
                Sources = request.Sources,
                Files = files,
                RequestId = requestId,
                BatchId = batchId,
                CustomId = customId,
            };
            entry.TakeAnswer(answer);
            if (failures.Count == 0 && files.Count > 0)
            {
                _record.Append(entry);
            }
            _sink.WriteObject(Output(entry, request, resumed: false));
            foreach (var failure in failures)
            {
                _sink.WriteError(ErrorRecordFactory.Create(failure, request.Source));
            }
        }

        private ImageEditResult Output(RecordEntry entry, BatchRequestLine request, bool resumed)
        {
            var usage = WireMapping.ToUsage(entry.Usage?.ToDto());
            var data = entry.Files.OrderBy(f => f.Index).Select(f => new ImageEditData(f.Index, null, null, null, f.ToSaved(_record.Folder))).ToList();
            return new ImageEditResult(WireMapping.FromUnixTime(Math.Max(0, Math.Min(entry.Created, 253402300799))), entry.Background, data, entry.OutputFormat, entry.Quality,
                entry.Size, usage, request.Source, request.Model, entry.RequestId, resumed);
        }

        private bool Unchanged(RecordEntry entry) => entry.Files.Count > 0 && entry.Files.All(f => f.IsUnchanged(_record.Folder));

        /// <summary>A failed line as the error an edit of the same answer would have been.</summary>
        private static Exception LineError(JsonElement root, JsonElement? response, int status, string? requestId, BatchRequestLine request)
        {
            if (response?.TryGetProperty("body", out var body) == true)
            {
                byte[] bytes = Encoding.UTF8.GetBytes(body.GetRawText());
                return ApiErrorParser.FromBody(status == 0 ? HttpStatusCode.InternalServerError : (HttpStatusCode)status, requestId, bytes, "application/json");
            }
            string message = root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m)
                ? m.GetString() ?? "The request failed."
                : "The request failed.";
            string? errorCode = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("code", out var c) ? c.GetString() : null;
            return new ApiException(HttpStatusCode.InternalServerError, message, null, null, errorCode, requestId);
        }

        /// <summary>A batch's request lines in the record, read one at a time by custom_id.</summary>
        private sealed class RequestLines
        {
            private readonly RunRecord _record;
            private readonly Dictionary<string, long> _offsets;

            public RequestLines(RunRecord record, Dictionary<string, long> offsets)
            {
                _record = record;
                _offsets = offsets;
            }

            public IEnumerable<string> Ids => _offsets.Keys;

            public BatchRequestLine? Get(string customId) => _offsets.TryGetValue(customId, out long offset) ? _record.ReadAt<BatchRequestLine>(offset) : null;
        }

        private static bool IsFinished(string status) => status is "completed" or "failed" or "expired" or "cancelled";
    }
}
