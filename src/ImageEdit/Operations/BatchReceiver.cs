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
        private readonly Pricing.PriceTable _prices;
        private LaterOutcomes? _laterOutcomes;

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
            var requests = new BatchRequestLines(_record, _record.IndexTyped<BatchRequestLine>("batchRequest", line => carried.Carries(line) ? line.CustomId : null));
            _laterOutcomes = new LaterOutcomes(_record, batches, batches.LastIndexOf(carried), _sink);
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
                        _sink.WriteObject(RecordedResults.Result(earlier, _record.Folder, request.Source, request.Model, resumed: true));
                        continue;
                    }
                    _tally.AddFailed();
                    _sink.WriteError(ErrorRecordFactory.Create(OutputFolder.StoppedTakingFiles(_record.Folder, stopped,
                        $"the result for {request.Source} ({id}) in {batch.Id} was not collected: it stays with the API until the batch's output file expires.",
                        ReceiveAgainAdvice), request.Source));
                }
            }
            else if (missing.Count > 0 && ImageEditBatch.IsFinishedStatus(batch.Status))
            {
                string why = batch.Status == "failed" && batch.Errors?.Data?.Count > 0
                    ? "failed: " + string.Join("; ", batch.Errors.Data.Take(3).Select(e => e.Message?.TrimEnd('.')))
                    : batch.Status;
                foreach (var id in missing)
                {
                    var request = requests.Get(id)!;
                    if (_laterOutcomes.Supersede(batch.Id, id, request, "did not run"))
                    {
                        continue;
                    }
                    _tally.AddFailed();
                    Fail(BatchLineErrors.NotRun(batch.Id, request, id, why), request, batch.Id, id, null);
                }
            }
            else if (missing.Count > 0)
            {
                _sink.Warning($"{batch.Id} is {batch.Status}: {missing.Count} request(s) have no answer yet. Receive again when it has finished (Wait-ImageEditBatch).");
            }
        }

        private void OnLine(string batchId, byte[] bytes, BatchRequestLines requests, Dictionary<string, RecordEntry> collected, HashSet<string> seen)
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
                    _sink.WriteObject(RecordedResults.Result(earlier, _record.Folder, request.Source, request.Model, resumed: true));
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
            if (_laterOutcomes!.Supersede(batchId, customId, request, response is null ? "did not run" : "failed"))
            {
                return;
            }
            _tally.AddFailed();
            if (response is null)
            {
                // A line that never ran (the batch expired or was cancelled first): nothing was paid, and -Resume sends it again.
                string why = BatchLineErrors.Message(root) ?? "";
                Fail(BatchLineErrors.NotRun(batchId, request, customId, why), request, batchId, customId, null);
                return;
            }
            Fail(BatchLineErrors.Failed(root, response, status, requestId), request, batchId, customId, requestId);
        }

        /// <summary>What to do about an answer of a batch that could not be saved: the output stays with the API, and receiving again collects what is missing.</summary>
        private string ReceiveAgainAdvice =>
            $"Free space in '{_record.Folder}' (or make it writable again), then receive again (Get-ImageEditBatch -OutputDirectory '{_record.Folder}' | Receive-ImageEditBatch): " +
            "what is missing is collected, and nothing already saved is saved twice.";

        /// <summary>Thrown out of the reading of an output file once the folder stops taking files.</summary>
        private sealed class FolderStoppedException : Exception
        {
        }

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
                files.Add(RecordFile.Of(saved, "edited", image.Index));
                if (saved.Adopted)
                {
                    adopted++;
                    _sink.Verbose($"Kept {saved.Path}: it already holds exactly this image.");
                    continue;
                }
                _sink.Verbose($"Saved {saved.Path}");
            }
            // A batch line is one try from here (the Batch API's own retries are its business) at half price.
            var entry = RecordEntry.Of(request.Asked(), "Receive-ImageEditBatch", "json", files, requestId, answer,
                _prices.Cost(request.Model, answer.Usage, batch: true), attempts: 1);
            entry.BatchId = batchId;
            entry.CustomId = customId;
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
            _sink.WriteObject(RecordedResults.Result(entry, data, request.Source, request.Model, collectedBefore));
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

        private bool Unchanged(RecordEntry entry) => entry.Files.Count > 0 && entry.Files.All(f => f.IsUnchanged(_record.Folder));

    }
}
