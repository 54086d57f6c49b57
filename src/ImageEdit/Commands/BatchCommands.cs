using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Http;
using ImageEdit.Models;
using ImageEdit.Operations;
using ImageEdit.Output;
using ImageEdit.Pipeline;
using ImageEdit.Responses;
using ImageEdit.Rules;

namespace ImageEdit.Commands
{
    /// <summary>
    /// What the cmdlets that follow a batch share: the batches come by -Id (a piped ImageEditBatch binds its Id and
    /// OutputDirectory), or all the batches the run record of -OutputDirectory lists; each is handled on the scheduler.
    /// </summary>
    public abstract class BatchCommandBase : ThrottledCommandBase
    {
        /// <summary>The batch IDs (batch_...); a piped ImageEditBatch binds its Id.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[]? Id { get; set; }

        /// <summary>The output folder the batches were started with; without -Id, every batch its run record lists.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? OutputDirectory { get; set; }

        /// <summary>Does the work for one batch.</summary>
        internal abstract Task HandleAsync(string id, string? folder, IOutputSink sink, CancellationToken cancellation);

        /// <summary>The folders of -OutputDirectory, resolved as every command that saves files resolves them.</summary>
        private protected OutputFolders Folders => _folders ??= new OutputFolders(this, adoptIdentical: true);
        private OutputFolders? _folders;

        protected override void ProcessRecord()
        {
            string? folder;
            try
            {
                folder = Folders.PathOf(OutputDirectory);
            }
            catch (Exception ex) when (OutputFolders.IsPathProblem(ex))
            {
                WriteError(ErrorRecordFactory.Create(OutputFolder.Unusable(OutputDirectory!, ex.Message), OutputDirectory));
                return;
            }
            if (folder != null && Id is null && FolderNotFound(folder) is { } notFound)
            {
                // A typo in a scheduled job's folder must not read as "nothing to collect".
                WriteError(notFound);
                return;
            }
            var ids = Id ?? (folder is null ? Array.Empty<string>() : Folders.RecordFor(folder).ReadTyped<BatchLine>("batch").Select(b => b.Id).Distinct().ToArray());
            if (ids.Length == 0)
            {
                WriteError(ErrorRecordFactory.Create(new LocalCheckException("NoBatchGiven", ErrorCategory.InvalidArgument, OutputDirectory,
                    folder is null ? "No batch was given." : $"The run record in {folder} lists no batch.",
                    "Pass -Id, pipe the batches from Start-ImageEditBatch or Get-ImageEditBatch, or give the -OutputDirectory the batches were started with."), OutputDirectory));
                return;
            }
            RequireCredentials(Connection);
            foreach (string id in ids)
            {
                if (!Approve(id))
                {
                    continue;
                }
                var scheduler = Scheduler;
                scheduler.Start(token => HandleAsync(id, folder, scheduler, token), id);
            }
        }

        /// <summary>The error for an -OutputDirectory that does not exist (so it has no run record), or null when it does.</summary>
        private protected ErrorRecord? FolderNotFound(string folder)
        {
            if (System.IO.Directory.Exists(folder))
            {
                return null;
            }
            var problem = System.IO.File.Exists(folder)
                ? OutputFolder.Unusable(folder, "it is a file, not a folder, so it has no run record")
                : new LocalCheckException("OutputDirectoryNotFound", ErrorCategory.ObjectNotFound, folder,
                    $"The folder {folder} does not exist, so there is no run record there to say which batches to {Verb} and which input each request was.",
                    "Check -OutputDirectory: give the folder Start-ImageEditBatch -OutputDirectory saved into.");
            return ErrorRecordFactory.Create(problem, folder);
        }

        /// <summary>What the cmdlet does to the folder's batches, for messages: get, wait for, receive, cancel.</summary>
        internal abstract string Verb { get; }

        /// <summary>ShouldProcess where the cmdlet changes something (Stop-ImageEditBatch).</summary>
        internal virtual bool Approve(string id) => true;
    }

    /// <summary>
    /// <para type="synopsis">Gets Batch API jobs by ID, or every batch the run record of an output folder lists.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "ImageEditBatch")]
    [OutputType(typeof(ImageEditBatch))]
    public sealed class GetImageEditBatchCommand : BatchCommandBase
    {
        internal override string Activity => "Getting batches";

        internal override string Verb => "get";

        internal override async Task HandleAsync(string id, string? folder, IOutputSink sink, CancellationToken cancellation) =>
            sink.WriteObject(BatchesApi.ToBatch(await BatchesApi.GetAsync(Connection, id, sink, cancellation).ConfigureAwait(false), folder));
    }

    /// <summary>
    /// <para type="synopsis">Waits until Batch API jobs finish (completed, failed, expired or cancelled), polling less often as it waits, with progress.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "ImageEditBatch")]
    [OutputType(typeof(ImageEditBatch))]
    public sealed class WaitImageEditBatchCommand : BatchCommandBase
    {
        /// <summary>The first pause between polls, in seconds; each pause is half as long again as the last, up to 60 s. Default 2.</summary>
        [Parameter]
        [ValidateRange(0.05, 3600)]
        public double PollIntervalSec { get; set; } = 2;

        internal override string Activity => "Waiting for batches";

        internal override string Verb => "wait for";

        /// <summary>-TimeoutSec bounds the whole wait here; each poll is bounded by 100 s.</summary>
        internal override TimeSpan? RequestTimeout => TimeSpan.FromSeconds(100);

        internal override async Task HandleAsync(string id, string? folder, IOutputSink sink, CancellationToken cancellation)
        {
            var started = DateTime.UtcNow;
            var limit = MyInvocation.BoundParameters.ContainsKey(nameof(TimeoutSec)) ? TimeSpan.FromSeconds(TimeoutSec) : (TimeSpan?)null;
            var progress = new ProgressRecord(ActivityIds.Next(), $"Waiting for {id}", "Starting") { ParentActivityId = sink.BatchActivityId };
            double pause = PollIntervalSec;
            try
            {
                while (true)
                {
                    var batch = BatchesApi.ToBatch(await BatchesApi.GetAsync(Connection, id, sink, cancellation).ConfigureAwait(false), folder);
                    var counts = batch.RequestCounts;
                    progress.StatusDescription = $"{batch.Status}: {counts}";
                    progress.PercentComplete = counts.Total == 0 ? 0 : Math.Min(100, (counts.Completed + counts.Failed) * 100 / counts.Total);
                    sink.WriteProgress(progress);
                    if (batch.IsFinished)
                    {
                        sink.WriteObject(batch);
                        if (batch.Status == "failed")
                        {
                            // The batch as a whole was refused (its input file): say why, beside the batch.
                            sink.WriteError(ErrorRecordFactory.Create(new LocalCheckException("BatchFailed", ErrorCategory.InvalidData, id,
                                $"{id} failed: {(batch.Errors.Length > 0 ? string.Join("; ", batch.Errors.Take(5)) : "the API gave no reason")}.",
                                "Fix what the errors name, then start the batch again; Receive-ImageEditBatch lists the requests that did not run."), id));
                        }
                        return;
                    }
                    var next = TimeSpan.FromSeconds(pause);
                    if (limit is TimeSpan timeout)
                    {
                        // The last look is at the end of the wait asked for, not one pause before it.
                        var left = timeout - (DateTime.UtcNow - started);
                        if (left <= TimeSpan.Zero)
                        {
                            sink.WriteObject(batch);
                            throw new LocalCheckException("BatchWaitTimedOut", ErrorCategory.OperationTimeout, id,
                                $"{id} is still {batch.Status} after the {timeout.TotalSeconds:0.###} s wait asked for (-TimeoutSec {TimeoutSec}); {counts}.",
                                "Wait again later (Get-ImageEditBatch -OutputDirectory <folder> | Wait-ImageEditBatch), or raise -TimeoutSec.");
                        }
                        next = left < next ? left : next;
                    }
                    await Task.Delay(next, cancellation).ConfigureAwait(false);
                    pause = Math.Min(60, pause * 1.5);
                }
            }
            finally
            {
                progress.RecordType = ProgressRecordType.Completed;
                sink.WriteProgress(progress);
            }
        }
    }

    /// <summary>
    /// <para type="synopsis">Collects the results of Batch API jobs into their output folder: one ImageEditResult per answered request, one error per failed one.</para>
    /// </summary>
    [Cmdlet(VerbsCommunications.Receive, "ImageEditBatch")]
    [OutputType(typeof(ImageEditResult))]
    public sealed class ReceiveImageEditBatchCommand : BatchCommandBase
    {
        private readonly RunTally _tally = new RunTally();
        private Pricing.PriceTable? _prices;
        private readonly System.Diagnostics.Stopwatch _elapsed = System.Diagnostics.Stopwatch.StartNew();

        internal override string Activity => "Receiving batches";

        /// <summary>
        /// The run summary every command ends with: requests collected now (Edited), already collected before (Resumed),
        /// inputs with an error (Failed), and the images saved and not saved.
        /// </summary>
        protected override void EndProcessing()
        {
            base.EndProcessing();
            _elapsed.Stop();
            WriteInformation(_tally.Describe(new ImageEditRunSummary(_tally.Edited, _tally.Resumed, _tally.Failed, _tally.ImagesSaved, _tally.InputTokens, _tally.OutputTokens,
                _tally.TotalTokens, _elapsed.Elapsed, Folders.FirstRecordPath, Folders.FailedSaves)),
                new[] { "ImageEdit", "RunSummary" });
        }

        internal override string Verb => "receive";

        protected override void ProcessRecord()
        {
            _prices ??= PriceTables.Load(this);
            if (OutputDirectory != null)
            {
                // Not created here: without the folder there is no run record to say which request is which input.
                // (Its writer adopts identical files: an image a killed run saved but did not record, or the file still
                // there of a request whose other file is being restored, is taken as it is, not saved again as "name (2)".)
                if (Folders.TryPathOf(OutputDirectory) is { } folder && FolderNotFound(folder) is { } notFound)
                {
                    WriteError(notFound);
                    return;
                }
                if (Folders.Problem(OutputDirectory, prepare: true) is { } problem)
                {
                    WriteError(ErrorRecordFactory.Create(problem, OutputDirectory));
                    return;
                }
            }
            else
            {
                WriteError(ErrorRecordFactory.Create(new LocalCheckException("BatchNeedsOutputDirectory", ErrorCategory.InvalidArgument, Id?.FirstOrDefault(),
                    "Receive-ImageEditBatch needs the -OutputDirectory the batch was started with: its run record says which request is which input.",
                    "Pipe the batch objects of Start-, Get- or Wait-ImageEditBatch (they carry it), or pass -OutputDirectory."), Id?.FirstOrDefault()));
                return;
            }
            base.ProcessRecord();
        }

        internal override async Task HandleAsync(string id, string? folder, IOutputSink sink, CancellationToken cancellation)
        {
            var (record, writer) = (Folders.RecordFor(folder!), Folders.WriterFor(folder!));
            var batch = await BatchesApi.GetAsync(Connection, id, sink, cancellation).ConfigureAwait(false);
            await new BatchReceiver(Connection, record, writer, sink, _tally, _prices!).ReceiveAsync(batch, cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// <para type="synopsis">Cancels Batch API jobs; requests already done stay done, and Receive-ImageEditBatch collects them.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Stop, "ImageEditBatch", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(ImageEditBatch))]
    public sealed class StopImageEditBatchCommand : BatchCommandBase
    {
        internal override string Activity => "Cancelling batches";

        internal override string Verb => "cancel";

        internal override bool Approve(string id) => ShouldProcess(id, "Cancel the batch (requests done so far stay done)");

        internal override async Task HandleAsync(string id, string? folder, IOutputSink sink, CancellationToken cancellation)
        {
            var current = BatchesApi.ToBatch(await BatchesApi.GetAsync(Connection, id, sink, cancellation).ConfigureAwait(false), folder);
            if (current.IsFinished || current.Status == "cancelling")
            {
                sink.Warning($"{id} is already {current.Status}; there is nothing to cancel.");
                sink.WriteObject(current);
                return;
            }
            sink.WriteObject(BatchesApi.ToBatch(await BatchesApi.CancelAsync(Connection, id, sink, cancellation).ConfigureAwait(false), folder));
        }
    }
}
