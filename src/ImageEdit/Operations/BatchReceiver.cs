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
using ImageEdit.Rules;

namespace ImageEdit.Operations
{
    /// <summary>
    /// Collects a batch into its output folder: reads the output and error files line by line as they arrive, decodes each
    /// answered request's images straight into their files (named as Edit-Image would name them), records them, and writes
    /// one result per answered request and one error per failed line, naming its input. A request already collected (its
    /// line in the record, its files unchanged) is not saved again, and a file already holding an image's bytes is taken
    /// as its file (the writer adopts it), so receiving twice, or after an interruption, never duplicates a file;
    /// requests a finished batch never ran are errors that say -Resume sends them again. Each input has one outcome, its
    /// latest request's: a failure or an unrun request of a batch that a later batch in the record (-Resume) carries again
    /// is left to that batch. Once the folder stops taking files (a full disk), the rest of the output file is not read:
    /// each input not collected is an error that says to free space and receive again.
    /// </summary>
    internal sealed class BatchReceiver
    {
        private readonly ApiConnection _connection;
        private readonly RunRecord _record;
        private readonly ImageFileWriter _writer;
        private readonly IOutputSink _sink;
        private readonly RunTally _tally;
        private HashSet<string>? _keysWithResults;
        private HashSet<string> _keysOfLaterBatches = new HashSet<string>(StringComparer.Ordinal);

        private readonly Pricing.PriceTable _prices;

        public BatchReceiver(ApiConnection connection, RunRecord record, ImageFileWriter writer, IOutputSink sink, RunTally tally, Pricing.PriceTable prices)
        {
            _prices = prices;
            _connection = connection;
            _record = record;
            _writer = writer;
            _sink = sink;
            _tally = tally;
        }

        public async Task ReceiveAsync(BatchDto batch, CancellationToken cancellation)
        {
            var batches = _record.ReadTyped<BatchLine>("batch").ToList();
            var carried = batches.LastOrDefault(b => b.Id == batch.Id);
            if (carried is null)
            {
                throw new LocalCheckException("BatchNotInRecord", System.Management.Automation.ErrorCategory.ObjectNotFound, batch.Id,
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
                return Carries(carried, line) ? line.CustomId : null;
            }));
            _keysOfLaterBatches = KeysOfLaterBatches(batches, batches.LastIndexOf(carried));
            var collected = new Dictionary<string, RecordEntry>(StringComparer.Ordinal);
            foreach (var entry in _record.StreamEntries().Where(e => e.BatchId == batch.Id && e.CustomId != null))
            {
                collected[entry.CustomId!] = entry;
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            bool leftWithApi = false;
            foreach (var fileId in new[] { batch.OutputFileId, batch.ErrorFileId }.Where(id => !string.IsNullOrEmpty(id)))
            {
                try
                {
                    await BatchesApi.ReadLinesAsync(_connection, fileId!, _sink, (bytes, attempt) =>
                    {
                        OnLine(batch.Id, bytes, requests, collected, seen);
                        attempt.Commit();
                        return Task.CompletedTask;
                    }, cancellation).ConfigureAwait(false);
                }
                catch (FolderStoppedException)
                {
                    // The rest of this file is answers that could not be saved: left with the API, reported below.
                    leftWithApi = true;
                }
            }
            var missing = requests.Ids.Where(id => !seen.Contains(id)).ToList();
            if (missing.Count > 0 && leftWithApi)
            {
                string stopped = _writer.StoppedTakingFiles ?? "";
                foreach (var id in missing)
                {
                    var request = requests.Get(id)!;
                    if (collected.TryGetValue(id, out var earlier) && Unchanged(earlier))
                    {
                        _tally.AddResumed();
                        _sink.WriteObject(Output(earlier, request, resumed: true));
                        continue;
                    }
                    _tally.AddFailed();
                    _sink.WriteError(ErrorRecordFactory.Create(OutputFolder.StoppedTakingFiles(_record.Folder, stopped,
                        $"the result for {request.Source} ({id}) in {batch.Id} was not collected: it stays with the API until the batch's output file expires.",
                        ReceiveAgainAdvice), request.Source));
                }
            }
            else if (missing.Count > 0 && IsFinished(batch.Status))
            {
                string why = batch.Status == "failed" && batch.Errors?.Data?.Count > 0
                    ? "failed: " + string.Join("; ", batch.Errors.Data.Take(3).Select(e => e.Message?.TrimEnd('.')))
                    : batch.Status;
                foreach (var id in missing)
                {
                    var request = requests.Get(id)!;
                    if (IsSuperseded(batch.Id, id, request, "did not run"))
                    {
                        continue;
                    }
                    _tally.AddFailed();
                    Fail(NotRun(batch.Id, request, id, why), request, batch.Id, id, null);
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
            var response = root.TryGetProperty("response", out var r) && r.ValueKind == JsonValueKind.Object ? r : (JsonElement?)null;
            int status = response?.TryGetProperty("status_code", out var code) == true && code.TryGetInt32(out int s) ? s : 0;
            string? requestId = response?.TryGetProperty("request_id", out var rid) == true ? rid.GetString() : null;
            if (status >= 200 && status < 300 && response is { } answer && answer.TryGetProperty("body", out var body))
            {
                if (collected.TryGetValue(customId, out var earlier) && Unchanged(earlier))
                {
                    seen.Add(customId);
                    _tally.AddResumed();
                    _sink.WriteObject(Output(earlier, request, resumed: true));
                    return;
                }
                if (_writer.StoppedTakingFiles != null && requests.Lost is null)
                {
                    // Nothing more can be saved: the answers left are not decoded (they would only pile up in memory), and
                    // receiving again collects them. Without the record (its folder gone) nothing could receive them again,
                    // so then each answer is decoded into its result instead.
                    throw new FolderStoppedException();
                }
                seen.Add(customId);
                Save(batchId, customId, request, Encoding.UTF8.GetBytes(body.GetRawText()), requestId, requests.Lost);
                return;
            }
            seen.Add(customId);
            if (IsSuperseded(batchId, customId, request, response is null ? "did not run" : "failed"))
            {
                return;
            }
            _tally.AddFailed();
            if (response is null)
            {
                // A line that never ran (the batch expired or was cancelled first): nothing was paid, and -Resume sends it again.
                string why = root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "";
                Fail(NotRun(batchId, request, customId, why), request, batchId, customId, null);
                return;
            }
            Fail(LineError(root, response, status, requestId, request), request, batchId, customId, requestId);
        }

        /// <summary>
        /// Whether this request's failure is not its input's outcome: a later run has given the input a result (Edit-Image,
        /// or a batch already received), or a later batch in the record carries the same request again (-Resume), whose
        /// outcome is the input's, whatever it turns out to be.
        /// </summary>
        private bool IsSuperseded(string batchId, string customId, BatchRequestLine request, string what)
        {
            if (_keysOfLaterBatches.Contains(request.Key))
            {
                _sink.Verbose($"{request.Source} ({customId}) {what} in {batchId}, but a later batch carries its request again; that batch's outcome is its own.");
                return true;
            }
            _keysWithResults ??= new HashSet<string>(_record.StreamEntries().Where(e => e.Files.All(f => f.IsUnchanged(_record.Folder))).Select(e => e.Key), StringComparer.Ordinal);
            if (_keysWithResults.Contains(request.Key))
            {
                _sink.Verbose($"{request.Source} ({customId}) {what} in {batchId}, but a later run has its result.");
                return true;
            }
            return false;
        }

        /// <summary>The request keys of every batch the record lists after this one (position <paramref name="position"/>).</summary>
        private HashSet<string> KeysOfLaterBatches(List<BatchLine> batches, int position)
        {
            var keys = new HashSet<string>(StringComparer.Ordinal);
            var later = batches.Skip(position + 1).Where(b => b.Id != batches[position].Id).ToList();
            if (later.Count == 0)
            {
                return keys;
            }
            foreach (var line in _record.ReadTyped<BatchRequestLine>("batchRequest"))
            {
                if (later.Any(b => Carries(b, line)))
                {
                    keys.Add(line.Key);
                }
            }
            return keys;
        }

        /// <summary>Whether a batch carries a request line: the same plan, and the line's number (the end of its custom_id) in the batch's range.</summary>
        private static bool Carries(BatchLine batch, BatchRequestLine line)
        {
            if (line.Plan != batch.Plan
                || !int.TryParse(line.CustomId.Substring(line.CustomId.LastIndexOf('-') + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index))
            {
                return false;
            }
            return index >= batch.FirstLine && index < batch.FirstLine + batch.Requests;
        }

        /// <summary>What to do about an answer of a batch that could not be saved: the output stays with the API, and receiving again collects what is missing.</summary>
        private string ReceiveAgainAdvice =>
            $"Free space in '{_record.Folder}' (or make it writable again), then receive again (Get-ImageEditBatch -OutputDirectory '{_record.Folder}' | Receive-ImageEditBatch): " +
            "what is missing is collected, and nothing already saved is saved twice.";

        /// <summary>Thrown out of the reading of an output file once the folder stops taking files.</summary>
        private sealed class FolderStoppedException : Exception
        {
        }

        private static LocalCheckException NotRun(string batchId, BatchRequestLine request, string customId, string why) =>
            new LocalCheckException("BatchRequestNotRun", System.Management.Automation.ErrorCategory.OperationStopped, request.Source,
                $"The batch {batchId} ended before the request for {request.Source} ({customId}) ran{(why.Length > 0 ? ": " + why.TrimEnd('.') : "")}.",
                "Start the batch again with Start-ImageEditBatch -Resume and the same inputs: only what has no result yet is sent.");

        private void Save(string batchId, string customId, BatchRequestLine request, byte[] body, string? requestId, Exception? recordLost)
        {
            var parser = new ImagePayloadParser(index => _writer.Begin(OutputNames.Edited(request.Stem, index, request.Count)));
            try
            {
                parser.Read(body);
            }
            catch (JsonException ex)
            {
                parser.Dispose();
                _tally.AddFailed();
                Fail(new ApiException(HttpStatusCode.OK, $"The answer to {customId} could not be read ({ex.Message.Split('.')[0]}).",
                    null, null, null, requestId), request, batchId, customId, requestId);
                return;
            }
            using var answer = parser.Result;
            var files = new List<RecordFile>();
            var failures = new List<Exception>();
            var data = new List<ImageEditData>();
            int adopted = 0;
            foreach (var image in answer.Images)
            {
                if (image.File is null)
                {
                    continue;
                }
                var saved = image.PendingFile()!.Commit();
                data.Add(new ImageEditData(image.Index, null, null, null, saved));
                if (saved.Path is null)
                {
                    // Not saved: the image travels in the result's B64Json, beside its error.
                    saved.Failure!.Advice = recordLost is null ? ReceiveAgainAdvice
                        : $"Save the image from the result's B64Json: {_record.Path} is gone ({recordLost.Message.TrimEnd('.')}), so this batch cannot be received into that folder again.";
                    failures.Add(saved.Failure);
                    continue;
                }
                files.Add(new RecordFile { Name = Path.GetFileName(saved.Path), Kind = "edited", Index = image.Index, Length = saved.Length, Sha256 = saved.Sha256Hex });
                if (saved.Adopted)
                {
                    adopted++;
                    _sink.Verbose($"Kept {saved.Path}: it already holds exactly this image.");
                    continue;
                }
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
                // A batch line is one try from here (the Batch API's own retries are its business) at half price.
                Cost = _prices.Cost(request.Model, answer.Usage, batch: true),
                Attempts = 1,
            };
            entry.TakeAnswer(answer);
            if (failures.Count == 0 && files.Count > 0)
            {
                try
                {
                    _record.Append(entry);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    _writer.NoteStopped(ex);
                    failures.Add(new OutputWriteException($"The images of {customId} were saved, but the run record {RunRecord.FileName} in {_record.Folder} could not take their line " +
                        $"({ex.Message.TrimEnd().TrimEnd('.')}).", ex) { Advice = ReceiveAgainAdvice });
                }
            }
            // Every image already in its file (another receive saved it, or a run killed before recording it): this run
            // collected nothing new, so it counts as collected before, its tokens with the run that saved it.
            bool collectedBefore = adopted > 0 && failures.Count == 0 && adopted == data.Count(d => d.Path != null);
            if (collectedBefore)
            {
                _tally.AddResumed();
            }
            else
            {
                _tally.AddEdited(data.Count(d => d.Path != null) - adopted, answer.Usage, entry.Cost);
            }
            _sink.WriteObject(Result(entry, request, data, collectedBefore));
            foreach (var failure in failures)
            {
                _sink.WriteError(ErrorRecordFactory.Create(failure, request.Source));
            }
        }

        /// <summary>A request of the batch that failed or never ran: its error, and its failure line in the record (which -Resume still sends again).</summary>
        private void Fail(Exception failure, BatchRequestLine request, string batchId, string customId, string? requestId)
        {
            var error = ErrorRecordFactory.Create(failure, request.Source);
            var line = FailureLine.From(error, request.Source, "Receive-ImageEditBatch");
            line.Model = request.Model;
            line.Prompt = request.Prompt;
            line.RequestId = requestId;
            line.BatchId = batchId;
            line.CustomId = customId;
            line.TryAppendTo(_record);
            _sink.WriteError(error);
        }

        private ImageEditResult Output(RecordEntry entry, BatchRequestLine request, bool resumed) =>
            Result(entry, request, entry.Files.OrderBy(f => f.Index).Select(f => new ImageEditData(f.Index, null, null, null, f.ToSaved(_record.Folder))).ToList(), resumed);

        /// <summary>The result of a request: its images (saved, or held because they could not be) and what the record says of the answer.</summary>
        private static ImageEditResult Result(RecordEntry entry, BatchRequestLine request, List<ImageEditData> data, bool resumed = false) =>
            new ImageEditResult(WireMapping.FromUnixTime(Math.Max(0, Math.Min(entry.Created, 253402300799))), entry.Background, data, entry.OutputFormat, entry.Quality,
                entry.Size, WireMapping.ToUsage(entry.Usage?.ToDto()), request.Source, request.Model, entry.RequestId, resumed)
            { Cost = entry.Cost, Attempts = entry.Attempts ?? 0 };

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

            /// <summary>Why the record could no longer be read (its folder removed while receiving), or null.</summary>
            public Exception? Lost { get; private set; }

            /// <summary>
            /// The request line of a custom_id, or null for one this batch does not have. When the record can no longer be
            /// read, a stand-in named by the custom_id, so that the answer still reaches the pipeline.
            /// </summary>
            public BatchRequestLine? Get(string customId)
            {
                if (!_offsets.TryGetValue(customId, out long offset))
                {
                    return null;
                }
                try
                {
                    return _record.ReadAt<BatchRequestLine>(offset);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    Lost ??= ex;
                    return new BatchRequestLine { CustomId = customId, Source = $"{customId} (its input is not known: {_record.Path} could not be read)", Stem = customId };
                }
            }
        }

        private static bool IsFinished(string status) => status is "completed" or "failed" or "expired" or "cancelled";
    }
}
