using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Http;
using ImageEdit.Models;
using ImageEdit.Output;
using ImageEdit.Pipeline;
using ImageEdit.Requests;

namespace ImageEdit.Operations
{
    /// <summary>
    /// Plans a Batch API job as requests arrive: has each local image uploaded once (<see cref="BatchUploads"/>), writes
    /// each request's JSONL line to a part file as it goes (<see cref="BatchParts"/>: a new part past 50,000 lines or
    /// 200 MB), records which custom_id is which input, then uploads the parts and creates one batch each. Nothing but the
    /// current line is held in memory. Requests are added from the scheduler's tasks (uploads run several at once, with
    /// the command's cancellation); the lines are written one at a time. Every upload and every batch is announced in the
    /// record before it is sent (see <see cref="BatchRecovery"/>), and every upload expires by itself
    /// (<see cref="UploadExpiry"/>). The first file the folder cannot take stops the plan (<see cref="BatchPlanRecord"/>).
    /// </summary>
    internal sealed class BatchPlanner : IDisposable
    {
        public const int MaxLinesPerBatch = 50_000;
        public const long MaxBytesPerBatch = 200L * 1024 * 1024;

        /// <summary>
        /// How long the Files API keeps what Start-ImageEditBatch uploads: the API's longest, 30 days, well past the 24-hour
        /// batch window and the collection after it (the results are in the batch's output file, not in these uploads).
        /// </summary>
        public static readonly TimeSpan UploadExpiry = FilesApi.MaximumExpiry;

        private const int RecordFlushLines = 500;
        private readonly ApiConnection _connection;
        private readonly BatchPlanRecord _planRecord;
        private readonly IOutputSink _sink;
        private readonly bool _countOnly;
        private readonly BatchUploads _uploads;
        private readonly BatchParts _parts;
        private readonly object _writeGate = new object();
        private readonly List<object> _pendingRecord = new List<object>();
        private readonly List<string> _plannedSources = new List<string>();
        private Task _ready = Task.CompletedTask;
        private BatchHoldings? _holdings;

        /// <param name="connection">Where uploads and batches go.</param>
        /// <param name="record">The output folder's run record.</param>
        /// <param name="sink">Verbose, warnings and progress.</param>
        /// <param name="countOnly">-WhatIf: count requests, uploads and batches; upload and write nothing.</param>
        /// <param name="maxLines">Lines per batch (the API's 50,000; smaller in tests).</param>
        /// <param name="maxBytes">Bytes per batch input file (the API's 200 MB; smaller in tests).</param>
        public BatchPlanner(ApiConnection connection, RunRecord record, IOutputSink sink, bool countOnly, int maxLines = MaxLinesPerBatch, long maxBytes = MaxBytesPerBatch)
        {
            _connection = connection;
            _planRecord = new BatchPlanRecord(record);
            _sink = sink;
            _countOnly = countOnly;
            Plan = Guid.NewGuid().ToString("N").Substring(0, 12);
            _uploads = new BatchUploads(connection, _planRecord, sink, countOnly);
            _parts = new BatchParts(record.Folder, Plan, maxLines, maxBytes);
        }

        /// <summary>This plan's ID: the prefix of its custom_ids.</summary>
        public string Plan { get; }
        public int Requests { get; private set; }
        public int Uploads => _uploads.Count;
        public int Batches => _parts.Count;

        /// <summary>Requests in the batches created so far.</summary>
        public int Submitted { get; private set; }

        /// <summary>
        /// Starts what comes before the first request: settling what earlier runs left (pending calls, part files), and under
        /// -Resume reading which inputs earlier batches still hold. Every <see cref="AddAsync"/> waits for it.
        /// </summary>
        public void Begin(bool resume, CancellationToken cancellation)
        {
            if (_countOnly)
            {
                _uploads.ReadRecorded();
                return;
            }
            _ready = Task.Run(async () =>
            {
                var adopted = await BatchRecovery.RunAsync(_connection, _planRecord.Record, _sink, cancellation).ConfigureAwait(false);
                _uploads.ReadRecorded();
                // A batch adopted now was made by a run that never reported it: the user has not seen it, so running the same
                // command again means these inputs, which it already carries. Without -Resume only such batches hold inputs.
                if (resume || adopted.Count > 0)
                {
                    _holdings = await BatchHoldings.ReadAsync(_connection, _planRecord.Record, _sink, cancellation, resume ? null : adopted).ConfigureAwait(false);
                }
            }, cancellation);
        }

        /// <summary>What the held inputs come to: one warning per batch that holds some.</summary>
        public IEnumerable<string> HeldWarnings() => _holdings?.Warnings() ?? Enumerable.Empty<string>();

        /// <summary>The batches that hold inputs of this run, as they were when looked at: written down the pipeline, so that Wait- and Receive-ImageEditBatch after it see them.</summary>
        public IEnumerable<ImageEditBatch> HeldBatches(string outputDirectory) =>
            _holdings?.HoldingBatches().Select(dto => BatchesApi.ToBatch(dto, outputDirectory)) ?? Enumerable.Empty<ImageEditBatch>();

        /// <summary>
        /// Plans one checked request: its images uploaded (once each), its line written, its record line kept. False when
        /// an earlier batch holds the same request (-Resume), which is then not planned again.
        /// </summary>
        public async Task<bool> AddAsync(ImageEditRequest request, CancellationToken cancellation)
        {
            await _ready.ConfigureAwait(false);
            _planRecord.ThrowIfStopped();
            var hashes = request.AllImages
                .Where(s => s.IsFile).Select(s => s.Value).Distinct().ToDictionary(p => p, RequestFingerprint.HashFile);
            string endpoint = _connection.EditsUri(request.Model).AbsoluteUri;
            var asked = RecordedRequest.Of(request, endpoint, path => hashes[path], Images.FileTarget.Length);
            if (_holdings?.Take(asked.Key) is { } holder)
            {
                _sink.Verbose($"{request.Source.Display} is held by {holder.BatchId} ({holder.Status}); not submitted again.");
                return false;
            }
            var fileIds = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var path in hashes.Keys)
            {
                fileIds[path] = await _uploads.FileIdAsync(path, hashes[path], cancellation).ConfigureAwait(false);
            }
            ImageSource Uploaded(ImageSource source) => source.IsFile ? ImageSource.FileId(fileIds[source.Value]) : source;
            var line = new ImageEditRequest(request.Images.Select(Uploaded).ToList(), request.Prompt, request.Mask is null ? null : Uploaded(request.Mask),
                request.Fields.Select(f => new KeyValuePair<string, object?>(f.Key.WireName, f.Value)), stream: false, forBatch: true,
                markup: request.Markup is null ? null : Uploaded(request.Markup));
            lock (_writeGate)
            {
                cancellation.ThrowIfCancellationRequested();
                string customId = $"{Plan}-{Requests:D6}";
                if (!_countOnly)
                {
                    _planRecord.ThrowIfStopped();
                    try
                    {
                        _parts.Write(LineBytes(customId, line), Requests);
                    }
                    catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                    {
                        throw _planRecord.Stopped(ex);
                    }
                    _plannedSources.Add(request.SourcePath);
                    _pendingRecord.Add(BatchRequestLine.Of(Plan, customId, request.SourcePath, request.Source.Stem, request.Count ?? 1, asked));
                    if (_pendingRecord.Count >= RecordFlushLines)
                    {
                        FlushRecord();
                    }
                }
                else
                {
                    _parts.CountLine(Requests);
                }
                Requests++;
            }
            return true;
        }

        /// <summary>
        /// Uploads every part (purpose batch) and creates a batch for each; the record then says which batch carries which
        /// lines. Each part is announced in the record first, and its file stays held until its batch is on record.
        /// </summary>
        public async Task<List<ImageEditBatch>> SubmitAsync(string outputDirectory, CancellationToken cancellation)
        {
            _planRecord.ThrowIfStopped();
            FlushRecord();
            var batches = new List<ImageEditBatch>();
            for (int index = 0; index < _parts.Count; index++)
            {
                var part = _parts.All[index];
                part.Seal();
                var pending = new PendingBatchLine
                {
                    Id = Guid.NewGuid().ToString("N"),
                    Time = DateTimeOffset.UtcNow,
                    Plan = Plan,
                    Part = index,
                    FirstLine = part.FirstLine,
                    Requests = part.Lines,
                    PartName = Path.GetFileName(part.Path!),
                    PartLength = part.Bytes,
                };
                _planRecord.Append(pending);
                var file = await FilesApi.UploadAsync(_connection, part.Path!, "batch", UploadExpiry, _sink, cancellation).ConfigureAwait(false);
                var batch = await BatchesApi.CreateAsync(_connection, file.FileId, Plan, index, _sink, cancellation).ConfigureAwait(false);
                try
                {
                    _planRecord.Record.AppendObjects(new object[]
                    {
                        new BatchLine
                        {
                            Time = DateTimeOffset.UtcNow, Id = batch.Id, Plan = Plan, Part = index, FirstLine = part.FirstLine, Requests = part.Lines, InputFileId = file.FileId,
                            Pending = pending.Id,
                        },
                    });
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    // The batch exists and runs; its pending line (written before) lets the next run into the folder adopt it.
                    _planRecord.Stopped(ex);
                    throw new OutputWriteException($"{batch.Id} was created and will run, but the run record in {_planRecord.Record.Folder} could not say so " +
                        $"({ex.Message.TrimEnd('.')}).", ex)
                    {
                        Advice = $"Free space in {_planRecord.Record.Folder} (or make it writable again), then run Start-ImageEditBatch into it again (with -Resume): it adopts " +
                            $"{batch.Id} from the record's pending line, and Receive-ImageEditBatch then collects it.",
                    };
                }
                _sink.Verbose($"Created {batch.Id} with {part.Lines} request(s) from {file.FileId}.");
                part.Release();
                Submitted += part.Lines;
                batches.Add(BatchesApi.ToBatch(batch, outputDirectory));
            }
            return batches;
        }

        public void Dispose()
        {
            lock (_writeGate)
            {
                _parts.ReleaseAll();
            }
        }

        /// <summary>
        /// Why the folder can take no more of this plan (a part file or record line could not be written), or null. Once
        /// set, nothing more is uploaded or planned, and none of the plan is submitted: a part with a line cut short would
        /// make a batch the API refuses, and one whose pending line is missing could not be found again after kill -9.
        /// </summary>
        public OutputWriteException? WriteFailure => _planRecord.WriteFailure;

        /// <summary>The inputs whose lines are in this plan's part files, in order (those a write failure leaves unsubmitted).</summary>
        public IReadOnlyList<string> PlannedSources => _plannedSources;

        /// <summary>{"custom_id":..,"method":"POST","url":"/v1/images/edits","body":{the JSON edit body}}</summary>
        private static byte[] LineBytes(string customId, ImageEditRequest line)
        {
            using var body = JsonEditEncoder.Build(line, CancellationToken.None);
            var bytes = new MemoryStream();
            byte[] head = Encoding.UTF8.GetBytes("{\"custom_id\":" + System.Text.Json.JsonSerializer.Serialize(customId) + ",\"method\":\"POST\",\"url\":\"" + BatchesApi.Endpoint + "\",\"body\":");
            bytes.Write(head, 0, head.Length);
            body.CopyToAsync(bytes).GetAwaiter().GetResult();
            bytes.WriteByte((byte)'}');
            bytes.WriteByte((byte)'\n');
            return bytes.ToArray();
        }

        private void FlushRecord()
        {
            if (_pendingRecord.Count > 0)
            {
                _planRecord.AppendAll(_pendingRecord);
                _pendingRecord.Clear();
            }
        }
    }
}
