using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Http;
using ImageEdit.Models;
using ImageEdit.Operations;
using ImageEdit.Pipeline;
using ImageEdit.Rules;
using ImageEdit.Requests;

namespace ImageEdit.Commands
{
    /// <summary>
    /// <para type="synopsis">Submits image edits as Batch API jobs: checked like Edit-Image, images uploaded once, lines written as they come, one batch per 50,000 requests or 200 MB.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Start, "ImageEditBatch", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(ImageEditBatch))]
    public sealed class StartImageEditBatchCommand : ImageEditCommandBase
    {
        private readonly Dictionary<string, BatchPlanner> _planners = new Dictionary<string, BatchPlanner>(StringComparer.Ordinal);
        private bool? _approved;

        internal override EditDelivery Delivery => EditDelivery.BatchLine;

        internal override string Activity => "Editing images";

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (Connection.ApiType == Http.ApiType.Azure)
            {
                ThrowTerminatingError(ErrorRecordFactory.Create(new LocalCheckException("BatchNotSupportedOnAzure", ErrorCategory.NotImplemented, null,
                    "Azure OpenAI runs batches through its own deployments and file routes, which ImageEdit cannot test here and does not support yet.",
                    "Use Edit-Image with -ThrottleLimit against Azure, or start the batch against the OpenAI API."), null));
            }
            if (OutputDirectory is null && !MyInvocation.ExpectingInput)
            {
                ThrowTerminatingError(ErrorRecordFactory.Create(new LocalCheckException("BatchNeedsOutputDirectory", ErrorCategory.InvalidArgument, null,
                    "A batch needs -OutputDirectory: its run record says which request is which input, so that its results can be collected there later.",
                    "Pass -OutputDirectory <folder>."), null));
            }
        }

        internal override void Dispatch(ImageEditRequest request)
        {
            string? folder = Folders.PathOf(OutputDirectory);
            if (folder is null)
            {
                WriteError(ErrorRecordFactory.Create(new LocalCheckException("BatchNeedsOutputDirectory", ErrorCategory.InvalidArgument, request.SourcePath,
                    "A batch needs -OutputDirectory, and this input gave none.", "Pass -OutputDirectory <folder>."), request.SourcePath));
                _tally.AddFailed();
                return;
            }
            bool whatIf = WhatIfInEffect;
            if (!whatIf)
            {
                // One question for the whole job: uploading and submitting are one decision.
                _approved ??= ShouldProcess(folder, $"Upload images and submit image edits as Batch API jobs at {Connection.Origin} (billed when OpenAI runs them)");
                if (_approved == false)
                {
                    return;
                }
                RequireCredentials(Connection);
                if (Folders.Problem(OutputDirectory, prepare: true) is { } folderError)
                {
                    WriteError(ErrorRecordFactory.Create(folderError, request.SourcePath));
                    _tally.AddFailed();
                    return;
                }
            }
            if (!_planners.TryGetValue(folder, out var planner))
            {
                planner = _planners[folder] = new BatchPlanner(Connection, Folders.RecordFor(folder), Scheduler, whatIf, BatchLimits.Lines, BatchLimits.Bytes);
                planner.Begin(Resume, Scheduler.Cancellation);
            }
            if (whatIf)
            {
                // Counted on the pipeline thread: nothing is sent.
                if (planner.AddAsync(request, CancellationToken.None).GetAwaiter().GetResult())
                {
                    AddToLargestCost(folder, request);
                }
                _tally.AddWouldSend();
                return;
            }
            // Uploads and line writing run on the scheduler, with the command's cancellation, as every cmdlet's requests do.
            var tally = _tally;
            Scheduler.Start(async token =>
            {
                if (await planner.AddAsync(request, token).ConfigureAwait(false))
                {
                    tally.AddWouldSend();
                }
                else
                {
                    tally.AddResumed();
                }
            }, request.SourcePath, tally.AddFailed);
        }

        /// <summary>Per folder: the largest cost its batch requests could reach, and how many have a model without a price.</summary>
        private readonly Dictionary<string, (decimal Cost, int Unpriced)> _largestCosts = new Dictionary<string, (decimal, int)>(StringComparer.Ordinal);

        private void AddToLargestCost(string folder, ImageEditRequest request)
        {
            _largestCosts.TryGetValue(folder, out var sum);
            decimal? bound = Pricing.CostBound.ForBatchRequest(Prices, request.Model, request.Prompt, request.Images.Count + (request.Mask is null ? 0 : 1),
                request.Value("size") as string, request.Count ?? 1);
            _largestCosts[folder] = bound is decimal known ? (sum.Cost + known, sum.Unpriced) : (sum.Cost, sum.Unpriced + 1);
        }

        /// <summary>The -WhatIf cost line: the largest cost where the price table allows, and what it assumes.</summary>
        private string DescribeLargestCost(string folder)
        {
            _largestCosts.TryGetValue(folder, out var sum);
            string cost = $"Largest cost: ${sum.Cost.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)} at Batch API prices " +
                $"(prices of {Prices.Date:yyyy-MM-dd}; assuming at most {Pricing.CostBound.InputImageTokens:N0} tokens per input image and " +
                $"{Pricing.CostBound.HighQualityTokensPerMegapixel * Pricing.CostBound.Headroom:N0} output tokens per 1024x1024 of each image, \"auto\" as 3840x2160)";
            return cost + (sum.Unpriced > 0 ? $"; {sum.Unpriced} request(s) with a model without a known price are not counted." : ".");
        }

        protected override void EndProcessing()
        {
            try
            {
                SubmitPlans();
            }
            finally
            {
                // The part files are uploaded by now, or were never finished: none stays in the folder.
                foreach (var planner in _planners.Values)
                {
                    planner.Dispose();
                }
            }
            Folders.WriteWaitingFailures();
            WriteSummary();
        }

        /// <summary>Stopped (Ctrl+C) before the plans were submitted: their part files are deleted.</summary>
        internal override void ReleaseResources()
        {
            foreach (var planner in _planners.Values)
            {
                planner.Dispose();
            }
        }

        private void SubmitPlans()
        {
            Scheduler.WaitAll();
            var scheduler = Scheduler;
            var tally = _tally;
            foreach (var pair in _planners)
            {
                var planner = pair.Value;
                string folder = pair.Key;
                if (WhatIfInEffect)
                {
                    string summary = $"{planner.Requests} request(s), {planner.Uploads} image upload(s) and {planner.Batches} batch(es) would be made for {folder}" +
                        (Resume ? $"; {_tally.Resumed} input(s) already have results." : ".") + " " + DescribeLargestCost(folder);
                    ShouldProcess(summary, summary, "Start-ImageEditBatch");
                    continue;
                }
                foreach (string warning in planner.HeldWarnings())
                {
                    WriteWarning(warning);
                }
                // The batches holding inputs of this run go down the pipeline like the ones it creates, so that
                // "... | Start-ImageEditBatch -Resume | Wait-ImageEditBatch | Receive-ImageEditBatch" collects them.
                foreach (var held in planner.HeldBatches(folder))
                {
                    WriteObject(held);
                }
                if (planner.WriteFailure is { } writeFailure)
                {
                    // The folder stopped taking the plan's files: no part of it is submitted, and each input planned so
                    // far gets its error (those refused after the failure got theirs when they were refused).
                    foreach (string source in planner.PlannedSources)
                    {
                        WriteError(ErrorRecordFactory.Create(writeFailure, source));
                        _tally.AddFailed();
                    }
                    continue;
                }
                if (planner.Requests == 0)
                {
                    continue;
                }
                scheduler.Start(async token =>
                {
                    try
                    {
                        foreach (var batch in await planner.SubmitAsync(folder, token).ConfigureAwait(false))
                        {
                            scheduler.WriteObject(batch);
                        }
                    }
                    finally
                    {
                        tally.AddSubmitted(planner.Submitted);
                    }
                }, folder, () =>
                {
                    // Every input of a part that got no batch did not succeed.
                    for (int i = planner.Submitted; i < planner.Requests; i++)
                    {
                        tally.AddFailed();
                    }
                });
            }
            Scheduler.WaitAll();
            if (Resume && _tally.Resumed > 0)
            {
                if (_planners.Values.All(p => p.Requests == 0))
                {
                    WriteWarning($"Nothing to submit: all {_tally.Resumed} input(s) already have results in the run record or are held by an earlier batch; no batch was started.");
                }
                else
                {
                    WriteVerbose($"{_tally.Resumed} input(s) already have results in the run record or are held by an earlier batch, and were left out.");
                }
            }
        }

    }

    /// <summary>The limits a batch's input file is split at: the API's, unless $env:IMAGEEDIT_BATCH_MAX_LINES lowers them (for tests).</summary>
    internal static class BatchLimits
    {
        public static int Lines => int.TryParse(Environment.GetEnvironmentVariable("IMAGEEDIT_BATCH_MAX_LINES"), out int lines) && lines > 0 && lines < BatchPlanner.MaxLinesPerBatch
            ? lines : BatchPlanner.MaxLinesPerBatch;

        public static long Bytes => BatchPlanner.MaxBytesPerBatch;
    }
}
