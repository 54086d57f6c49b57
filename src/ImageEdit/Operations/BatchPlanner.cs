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
    /// Plans a Batch API job as requests arrive: uploads each distinct local image once (by its bytes, remembering earlier
    /// batches' uploads into the same folder), writes each request's JSONL line to a part file as it goes (a new part past
    /// 50,000 lines or 200 MB), records which custom_id is which input, then uploads the parts and creates one batch each.
    /// Nothing but the current line is held in memory.
    /// </summary>
    internal sealed class BatchPlanner : IDisposable
    {
        public const int MaxLinesPerBatch = 50_000;
        public const long MaxBytesPerBatch = 200L * 1024 * 1024;
        private const int RecordFlushLines = 500;
        private readonly ApiConnection _connection;
        private readonly RunRecord _record;
        private readonly IOutputSink _sink;
        private readonly bool _countOnly;
        private readonly long _maxBytes;
        private readonly int _maxLines;
        private readonly Dictionary<string, string> _uploads = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly HashSet<string> _verified = new HashSet<string>(StringComparer.Ordinal);
        private readonly List<object> _pendingRecord = new List<object>();
        private readonly List<Part> _parts = new List<Part>();
        private readonly CancellationToken _cancellation;

        /// <param name="connection">Where uploads and batches go.</param>
        /// <param name="record">The output folder's run record.</param>
        /// <param name="sink">Verbose and progress.</param>
        /// <param name="countOnly">-WhatIf: count requests, uploads and batches; upload and write nothing.</param>
        /// <param name="cancellation">Ctrl+C.</param>
        /// <param name="maxLines">Lines per batch (the API's 50,000; smaller in tests).</param>
        /// <param name="maxBytes">Bytes per batch input file (the API's 200 MB; smaller in tests).</param>
        public BatchPlanner(ApiConnection connection, RunRecord record, IOutputSink sink, bool countOnly, CancellationToken cancellation,
            int maxLines = MaxLinesPerBatch, long maxBytes = MaxBytesPerBatch)
        {
            _connection = connection;
            _record = record;
            _sink = sink;
            _countOnly = countOnly;
            _cancellation = cancellation;
            _maxLines = maxLines;
            _maxBytes = maxBytes;
            Plan = Guid.NewGuid().ToString("N").Substring(0, 12);
            foreach (var upload in record.ReadTyped<UploadLine>("upload"))
            {
                _uploads[upload.Sha256] = upload.FileId;
            }
        }

        /// <summary>This plan's ID: the prefix of its custom_ids.</summary>
        public string Plan { get; }
        public int Requests { get; private set; }
        public int Uploads { get; private set; }
        public int Batches => _parts.Count;

        /// <summary>Plans one checked request: its images uploaded (once each), its line written, its record line kept.</summary>
        public void Add(ImageEditRequest request)
        {
            var hashes = request.Images.Concat(request.Mask is null ? Enumerable.Empty<ImageSource>() : new[] { request.Mask })
                .Where(s => s.IsFile).Select(s => s.Value).Distinct().ToDictionary(p => p, RequestFingerprint.HashFile);
            ImageSource Upload(ImageSource source)
            {
                if (!source.IsFile)
                {
                    return source;
                }
                string sha = hashes[source.Value];
                if (_uploads.TryGetValue(sha, out var known) && !_countOnly && !_verified.Contains(sha) && !StillUploaded(known))
                {
                    // An earlier batch's upload that has since been deleted (or has expired) is uploaded again.
                    _uploads.Remove(sha);
                }
                if (!_uploads.TryGetValue(sha, out var fileId))
                {
                    Uploads++;
                    fileId = _countOnly ? "file-(not uploaded under -WhatIf)" : UploadImage(source.Value, sha);
                    _uploads[sha] = fileId;
                }
                _verified.Add(sha);
                return ImageSource.FileId(fileId);
            }
            var line = new ImageEditRequest(request.Images.Select(Upload).ToList(), request.Prompt, request.Mask is null ? null : Upload(request.Mask),
                request.Fields.Select(f => new KeyValuePair<string, object?>(f.Key.WireName, f.Value)), stream: false, forBatch: true);

            string customId = $"{Plan}-{Requests:D6}";
            if (!_countOnly)
            {
                Write(LineBytes(customId, line));
                string endpoint = _connection.EditsUri(request.Model).AbsoluteUri;
                _pendingRecord.Add(new BatchRequestLine
                {
                    Plan = Plan,
                    CustomId = customId,
                    Source = request.SourcePath,
                    Stem = request.Source.Stem,
                    Count = request.Count ?? 1,
                    Key = RequestFingerprint.Full(request, endpoint, path => hashes[path]),
                    QuickKey = RequestFingerprint.Quick(request, endpoint),
                    Endpoint = endpoint,
                    Model = request.Model,
                    Prompt = request.Prompt,
                    Fields = request.Fields.Any() ? request.Fields.ToDictionary(f => f.Key.WireName, f => f.Value) : null,
                    Sources = request.Images.Select((image, i) => Source(image, i == 0 ? "image" : "reference", hashes))
                        .Concat(request.Mask is null ? Enumerable.Empty<RecordSource>() : new[] { Source(request.Mask, "mask", hashes) }).ToList(),
                });
                if (_pendingRecord.Count >= RecordFlushLines)
                {
                    FlushRecord();
                }
            }
            else if (_parts.Count == 0 || _parts[_parts.Count - 1].Lines >= _maxLines)
            {
                _parts.Add(new Part(null, Requests));
            }
            if (_countOnly)
            {
                _parts[_parts.Count - 1].Lines++;
            }
            Requests++;
        }

        /// <summary>Uploads every part (purpose batch) and creates a batch for each; the record then says which batch carries which lines.</summary>
        public async Task<List<ImageEditBatch>> SubmitAsync(string outputDirectory)
        {
            FlushRecord();
            var batches = new List<ImageEditBatch>();
            foreach (var part in _parts)
            {
                part.Stream!.Dispose();
                var file = await FilesApi.UploadAsync(_connection, part.Path!, "batch", _sink, _cancellation).ConfigureAwait(false);
                var batch = await BatchesApi.CreateAsync(_connection, file.FileId, Plan, _sink, _cancellation).ConfigureAwait(false);
                _record.AppendObjects(new object[]
                {
                    new BatchLine { Time = DateTimeOffset.UtcNow, Id = batch.Id, Plan = Plan, Part = _parts.IndexOf(part), FirstLine = part.FirstLine, Requests = part.Lines, InputFileId = file.FileId },
                });
                _sink.Verbose($"Created {batch.Id} with {part.Lines} request(s) from {file.FileId}.");
                ImageFileWriter.TryDelete(part.Path!);
                batches.Add(BatchesApi.ToBatch(batch, outputDirectory));
            }
            return batches;
        }

        public void Dispose()
        {
            foreach (var part in _parts.Where(p => p.Path != null))
            {
                part.Stream?.Dispose();
                ImageFileWriter.TryDelete(part.Path!);
            }
        }

        /// <summary>Whether a file an earlier batch uploaded is still in the Files API.</summary>
        private bool StillUploaded(string fileId)
        {
            try
            {
                FilesApi.GetAsync(_connection, fileId, _sink, _cancellation).GetAwaiter().GetResult();
                return true;
            }
            catch (ApiException error) when ((int)error.StatusCode == 404)
            {
                return false;
            }
        }

        private string UploadImage(string path, string sha)
        {
            var file = FilesApi.UploadAsync(_connection, path, "vision", _sink, _cancellation).GetAwaiter().GetResult();
            // Recorded at once: a run stopped after this upload still knows it, and the next one does not upload it again.
            _record.AppendObjects(new object[] { new UploadLine { Time = DateTimeOffset.UtcNow, Sha256 = sha, Length = file.Bytes, FileId = file.FileId, Path = path } });
            return file.FileId;
        }

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

        private void Write(byte[] line)
        {
            var part = _parts.Count == 0 ? null : _parts[_parts.Count - 1];
            if (part is null || part.Lines >= _maxLines || part.Bytes + line.Length > _maxBytes)
            {
                string path = Path.Combine(_record.Folder, $".imageedit-batch-{Plan}-{_parts.Count}.jsonl");
                part = new Part(path, Requests)
                {
                    Stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024),
                };
                TemporaryFiles.Track(path);
                _parts.Add(part);
            }
            part.Stream!.Write(line, 0, line.Length);
            part.Bytes += line.Length;
            part.Lines++;
        }

        private void FlushRecord()
        {
            if (_pendingRecord.Count > 0)
            {
                _record.AppendObjects(_pendingRecord);
                _pendingRecord.Clear();
            }
        }

        private static RecordSource Source(ImageSource image, string role, IReadOnlyDictionary<string, string> hashes) => image.Kind switch
        {
            ImageSourceKind.File => new RecordSource { Role = role, Path = image.Value, Length = Images.FileTarget.Length(image.Value), Sha256 = hashes[image.Value] },
            ImageSourceKind.FileId => new RecordSource { Role = role, FileId = image.Value },
            _ => new RecordSource { Role = role, Url = image.Identity },
        };

        private sealed class Part
        {
            public Part(string? path, int firstLine)
            {
                Path = path;
                FirstLine = firstLine;
            }

            public string? Path { get; }
            public int FirstLine { get; }
            public FileStream? Stream { get; set; }
            public long Bytes { get; set; }
            public int Lines { get; set; }
        }
    }
}
