using System;
using System.Collections.Generic;
using System.Linq;
using ImageEdit.Output;
using ImageEdit.Pipeline;

namespace ImageEdit.Operations
{
    /// <summary>
    /// While a batch is received: whether a request's failure is not its input's outcome, because a later run has given
    /// the input a result (Edit-Image, or a batch already received), or a later batch in the record carries the same
    /// request again (-Resume), whose outcome is the input's, whatever it turns out to be. Each input has one outcome,
    /// its latest request's.
    /// </summary>
    internal sealed class LaterOutcomes
    {
        private readonly RunRecord _record;
        private readonly IOutputSink _sink;
        private readonly HashSet<string> _keysOfLaterBatches;
        private HashSet<string>? _keysWithResults;

        /// <param name="record">The folder's run record.</param>
        /// <param name="batches">The record's batch lines, oldest first.</param>
        /// <param name="position">Where the batch being received stands among them.</param>
        /// <param name="sink">Where Verbose says why a failure is left to a later outcome.</param>
        public LaterOutcomes(RunRecord record, List<BatchLine> batches, int position, IOutputSink sink)
        {
            _record = record;
            _sink = sink;
            _keysOfLaterBatches = KeysOfLaterBatches(batches, position);
        }

        /// <summary>Whether the failure (<paramref name="what"/>: "failed", "did not run") of this request is left to a later outcome (said in Verbose).</summary>
        public bool Supersede(string batchId, string customId, BatchRequestLine request, string what)
        {
            if (_keysOfLaterBatches.Contains(request.Key))
            {
                _sink.Verbose($"{request.Source} ({customId}) {what} in {batchId}, but a later batch carries its request again; that batch's outcome is its own.");
                return true;
            }
            _keysWithResults ??= _record.KeysWithResults();
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
                if (later.Any(b => b.Carries(line)))
                {
                    keys.Add(line.Key);
                }
            }
            return keys;
        }
    }
}
