using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Http;
using ImageEdit.Output;
using ImageEdit.Pipeline;

namespace ImageEdit.Operations
{
    /// <summary>
    /// The file IDs of a batch plan's local images: each distinct image (by its bytes) uploaded once per command however
    /// many requests share it, and an earlier batch's upload into the same folder reused while the Files API still has it
    /// for a new batch's window. Every upload is announced in the record before it is sent (see <see cref="BatchRecovery"/>)
    /// and recorded at once after, and expires by itself (<see cref="BatchPlanner.UploadExpiry"/>).
    /// </summary>
    internal sealed class BatchUploads
    {
        /// <summary>An earlier upload is reused only if it outlives a new batch's window by this much; else it is uploaded again.</summary>
        private static readonly TimeSpan ReuseMargin = TimeSpan.FromHours(26);
        private readonly ApiConnection _connection;
        private readonly BatchPlanRecord _record;
        private readonly IOutputSink _sink;
        private readonly bool _countOnly;
        private readonly Dictionary<string, string> _recorded = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _uploads = new ConcurrentDictionary<string, Lazy<Task<string>>>(StringComparer.Ordinal);
        private int _count;

        /// <param name="connection">Where uploads go.</param>
        /// <param name="record">The plan's record: every upload is announced there first, and recorded after.</param>
        /// <param name="sink">Verbose and progress.</param>
        /// <param name="countOnly">-WhatIf: count the uploads that would be made; upload nothing.</param>
        public BatchUploads(ApiConnection connection, BatchPlanRecord record, IOutputSink sink, bool countOnly)
        {
            _connection = connection;
            _record = record;
            _sink = sink;
            _countOnly = countOnly;
        }

        /// <summary>How many images were uploaded (or, under -WhatIf, would be).</summary>
        public int Count => Volatile.Read(ref _count);

        /// <summary>Reads which images earlier batches into this folder uploaded (before the first <see cref="FileIdAsync"/>).</summary>
        public void ReadRecorded()
        {
            foreach (var upload in _record.Record.ReadTyped<UploadLine>("upload"))
            {
                _recorded[upload.Sha256] = upload.FileId;
            }
        }

        /// <summary>The file ID of an image (its SHA-256 <paramref name="sha"/>), uploaded once per command however many requests share it.</summary>
        public Task<string> FileIdAsync(string path, string sha, CancellationToken cancellation)
        {
            if (_countOnly)
            {
                return _uploads.GetOrAdd(sha, _ => new Lazy<Task<string>>(() =>
                {
                    if (_recorded.TryGetValue(sha, out var known))
                    {
                        return Task.FromResult(known);
                    }
                    Interlocked.Increment(ref _count);
                    return Task.FromResult("file-(not uploaded under -WhatIf)");
                })).Value;
            }
            return _uploads.GetOrAdd(sha, _ => new Lazy<Task<string>>(() => Task.Run(async () =>
            {
                if (_recorded.TryGetValue(sha, out var known) && await StillUsableAsync(known, cancellation).ConfigureAwait(false))
                {
                    return known;
                }
                // An earlier batch's upload that has since been deleted, or expires too soon, is uploaded again.
                Interlocked.Increment(ref _count);
                return await UploadAsync(path, sha, cancellation).ConfigureAwait(false);
            }, cancellation))).Value;
        }

        /// <summary>Whether a file an earlier batch uploaded is still in the Files API, and will be for a new batch's window.</summary>
        private async Task<bool> StillUsableAsync(string fileId, CancellationToken cancellation)
        {
            var file = await FilesApi.TryGetAsync(_connection, fileId, _sink, cancellation).ConfigureAwait(false);
            return file != null && (file.ExpiresAt is null || DateTimeOffset.FromUnixTimeSeconds(file.ExpiresAt.Value) > DateTimeOffset.UtcNow + ReuseMargin);
        }

        private async Task<string> UploadAsync(string path, string sha, CancellationToken cancellation)
        {
            var pending = new PendingUploadLine
            {
                Id = Guid.NewGuid().ToString("N"),
                Time = DateTimeOffset.UtcNow,
                Sha256 = sha,
                Length = Images.FileTarget.Length(path),
                Name = Path.GetFileName(path),
                Path = path,
            };
            _record.Append(pending);
            var file = await FilesApi.UploadAsync(_connection, path, "vision", BatchPlanner.UploadExpiry, _sink, cancellation).ConfigureAwait(false);
            // Recorded at once: a run stopped after this upload still knows it, and the next one does not upload it again.
            _record.Append(new UploadLine { Time = DateTimeOffset.UtcNow, Sha256 = sha, Length = file.Bytes, FileId = file.FileId, Path = path, Pending = pending.Id });
            return file.FileId;
        }
    }
}
