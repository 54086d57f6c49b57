using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Http;
using ImageEdit.Output;
using ImageEdit.Pipeline;
using ImageEdit.Responses;

namespace ImageEdit.Operations
{
    /// <summary>
    /// -Resume of Start-ImageEditBatch: which inputs (by their request's full fingerprint) an earlier batch into the folder
    /// still holds, so that they are not submitted (and paid for) again. A batch that has not ended holds every request it
    /// carries. A batch that has ended holds the requests its output file answers that the run record has no result for
    /// yet (completed, waiting for Receive-ImageEditBatch); the rest (failed, or never run) are free to be submitted again.
    /// Batches whose every request already has a result are not asked about.
    /// </summary>
    internal sealed class BatchHoldings
    {
        private readonly Dictionary<string, Holder> _byKey;
        private readonly ConcurrentDictionary<Holder, int> _skipped = new ConcurrentDictionary<Holder, int>();

        private BatchHoldings(Dictionary<string, Holder> byKey)
        {
            _byKey = byKey;
        }

        /// <summary>A batch that holds inputs, and whether it is still running or waits to be received.</summary>
        internal sealed class Holder
        {
            public Holder(BatchDto batch, bool running)
            {
                Batch = batch;
                BatchId = batch.Id;
                Status = batch.Status;
                Running = running;
            }

            public BatchDto Batch { get; }
            public string BatchId { get; }
            public string Status { get; }
            public bool Running { get; }
        }

        /// <param name="onlyBatchIds">When given, only these batches are asked about (those adopted by this run, without -Resume).</param>
        public static async Task<BatchHoldings> ReadAsync(ApiConnection connection, RunRecord record, ILog log, CancellationToken cancellation,
            IReadOnlyCollection<string>? onlyBatchIds = null)
        {
            var byKey = new Dictionary<string, Holder>(StringComparer.Ordinal);
            var batches = record.ReadTyped<BatchLine>("batch").GroupBy(b => b.Id).Select(g => g.First())
                .Where(b => onlyBatchIds is null || onlyBatchIds.Contains(b.Id)).ToList();
            if (batches.Count == 0)
            {
                return new BatchHoldings(byKey);
            }
            var withResults = record.KeysWithResults();
            var requests = record.ReadTyped<BatchRequestLine>("batchRequest").ToLookup(r => r.Plan);
            foreach (var line in batches)
            {
                var carried = requests[line.Plan].Where(line.Carries)
                    .Where(r => !withResults.Contains(r.Key)).ToList();
                if (carried.Count == 0)
                {
                    continue;
                }
                if (await BatchesApi.TryGetAsync(connection, line.Id, log, cancellation).ConfigureAwait(false) is not { } batch)
                {
                    continue;
                }
                bool running = !Models.ImageEditBatch.IsFinishedStatus(batch.Status);
                var holder = new Holder(batch, running);
                var answered = running || string.IsNullOrEmpty(batch.OutputFileId)
                    ? null
                    : await AnsweredAsync(connection, batch.OutputFileId!, log, cancellation).ConfigureAwait(false);
                foreach (var request in carried.Where(r => running || answered!.Contains(r.CustomId)))
                {
                    byKey[request.Key] = holder;
                }
            }
            return new BatchHoldings(byKey);
        }

        /// <summary>The batch that holds an input with this fingerprint, counted for <see cref="Warnings"/>; or null.</summary>
        public Holder? Take(string key)
        {
            if (!_byKey.TryGetValue(key, out var holder))
            {
                return null;
            }
            _skipped.AddOrUpdate(holder, 1, (_, n) => n + 1);
            return holder;
        }

        /// <summary>The batches that held inputs of this run.</summary>
        public IEnumerable<BatchDto> HoldingBatches() => _skipped.Keys.OrderBy(h => h.BatchId, StringComparer.Ordinal).Select(h => h.Batch);

        /// <summary>One warning per batch that held inputs of this run: which batch, how many, and what to do.</summary>
        public IEnumerable<string> Warnings() => _skipped.OrderBy(p => p.Key.BatchId, StringComparer.Ordinal).Select(pair => pair.Key.Running
            ? $"{pair.Value} input(s) were not submitted again: {pair.Key.BatchId} holds them and is still {pair.Key.Status}. " +
              "Wait-ImageEditBatch, then Receive-ImageEditBatch collects them; once it has ended, -Resume submits only what it did not complete."
            : $"{pair.Value} input(s) were not submitted again: {pair.Key.BatchId} ({pair.Key.Status}) completed them, and their results wait to be collected. " +
              "Receive-ImageEditBatch -OutputDirectory <folder> collects them.");

        /// <summary>The custom_ids an output file answered with a 2xx.</summary>
        private static async Task<HashSet<string>> AnsweredAsync(ApiConnection connection, string fileId, ILog log, CancellationToken cancellation)
        {
            var answered = new HashSet<string>(StringComparer.Ordinal);
            await BatchesApi.ReadLinesAsync(connection, fileId, log, (bytes, attempt) =>
            {
                try
                {
                    using var document = JsonDocument.Parse(bytes);
                    var root = document.RootElement;
                    if (root.TryGetProperty("custom_id", out var id) && id.GetString() is { } customId
                        && root.TryGetProperty("response", out var response) && response.ValueKind == JsonValueKind.Object
                        && response.TryGetProperty("status_code", out var code) && code.TryGetInt32(out int status) && status >= 200 && status < 300)
                    {
                        answered.Add(customId);
                    }
                }
                catch (JsonException)
                {
                }
                return Task.CompletedTask;
            }, cancellation).ConfigureAwait(false);
            return answered;
        }
    }
}
