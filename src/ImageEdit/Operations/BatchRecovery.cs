using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Http;
using ImageEdit.Output;
using ImageEdit.Pipeline;

namespace ImageEdit.Operations
{
    /// <summary>
    /// What a Start-ImageEditBatch into a folder does first: settles the calls an earlier run announced in the record and
    /// did not live to record (killed while an upload or a create call was in flight), then deletes the part files earlier
    /// runs left. A pending batch whose batch exists is adopted (its batch line written, so Receive collects it); one whose
    /// part file was uploaded but never made a batch is made that batch now, from the uploaded file; one with nothing
    /// uploaded is settled as not sent, and its inputs are planned again. A pending upload whose file exists is adopted.
    /// A pending batch whose part file a live run still holds is that run's, and left alone.
    /// </summary>
    internal static class BatchRecovery
    {
        /// <summary>Settles what earlier runs left; returns the IDs of the batches it adopted (made by a run that never reported them).</summary>
        public static async Task<List<string>> RunAsync(ApiConnection connection, RunRecord record, IOutputSink sink, CancellationToken cancellation)
        {
            var adopted = new List<string>();
            var settled = new HashSet<string>(record.ReadTyped<BatchLine>("batch").Select(b => b.Pending)
                .Concat(record.ReadTyped<UploadLine>("upload").Select(u => u.Pending))
                .Concat(record.ReadTyped<SettledLine>("settled").Select(s => s.Id))
                .Where(id => id != null).Select(id => id!), StringComparer.Ordinal);
            foreach (var pending in record.ReadTyped<PendingBatchLine>("pendingBatch").Where(p => !settled.Contains(p.Id)).ToList())
            {
                if (PartFiles.IsHeld(Path.Combine(record.Folder, pending.PartName)))
                {
                    continue;
                }
                if (await SettleBatchAsync(connection, record, pending, sink, cancellation).ConfigureAwait(false) is { } batchId)
                {
                    adopted.Add(batchId);
                }
            }
            foreach (var pending in record.ReadTyped<PendingUploadLine>("pendingUpload").Where(p => !settled.Contains(p.Id)).ToList())
            {
                var file = await FilesApi.FindUploadAsync(connection, pending.Purpose, pending.Name, pending.Length, pending.Time, sink, cancellation, deleteExtras: false)
                    .ConfigureAwait(false);
                if (file != null)
                {
                    record.AppendObjects(new object[]
                    {
                        new UploadLine { Time = DateTimeOffset.UtcNow, Sha256 = pending.Sha256, Length = file.Bytes, FileId = file.Id, Path = pending.Path, Pending = pending.Id },
                    });
                    sink.Verbose($"Adopted {file.Id}: the upload of {pending.Name} an earlier run made and did not live to record.");
                }
                else
                {
                    Settle(record, pending.Id, "no file was stored");
                }
            }
            foreach (string name in PartFiles.DeleteLeftBehind(record.Folder))
            {
                sink.Verbose($"Deleted {name}, a part file an earlier run left in {record.Folder}.");
            }
            return adopted;
        }

        private static async Task<string?> SettleBatchAsync(ApiConnection connection, RunRecord record, PendingBatchLine pending, IOutputSink sink, CancellationToken cancellation)
        {
            var batch = await BatchesApi.FindAsync(connection, pending.Plan, pending.Part, pending.Time - TimeSpan.FromDays(1), sink, cancellation).ConfigureAwait(false);
            string how;
            if (batch != null)
            {
                how = "created by an earlier run that did not live to record it";
            }
            else
            {
                var file = await FilesApi.FindUploadAsync(connection, "batch", pending.PartName, pending.PartLength, pending.Time, sink, cancellation, deleteExtras: false)
                    .ConfigureAwait(false);
                if (file is null)
                {
                    Settle(record, pending.Id, "the part was not uploaded; its inputs are planned again");
                    sink.Verbose($"Plan {pending.Plan} part {pending.Part} of an earlier run was never uploaded: its {pending.Requests} input(s) have no batch.");
                    return null;
                }
                batch = await BatchesApi.CreateAsync(connection, file.Id, pending.Plan, pending.Part, sink, cancellation).ConfigureAwait(false);
                how = $"made now from {file.Id}, which an earlier run uploaded and did not live to make a batch of";
            }
            record.AppendObjects(new object[]
            {
                new BatchLine
                {
                    Time = DateTimeOffset.UtcNow, Id = batch.Id, Plan = pending.Plan, Part = pending.Part, FirstLine = pending.FirstLine, Requests = pending.Requests,
                    InputFileId = batch.InputFileId ?? "", Pending = pending.Id,
                },
            });
            sink.Warning($"Adopted {batch.Id} with {pending.Requests} request(s) into the run record of {record.Folder}: {how}. Receive-ImageEditBatch collects it.");
            return batch.Id;
        }

        private static void Settle(RunRecord record, string id, string outcome) =>
            record.AppendObjects(new object[] { new SettledLine { Id = id, Time = DateTimeOffset.UtcNow, Outcome = outcome } });
    }
}
