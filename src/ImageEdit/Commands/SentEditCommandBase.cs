using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Http;
using ImageEdit.Operations;
using ImageEdit.Output;
using ImageEdit.Pipeline;
using ImageEdit.Requests;
using ImageEdit.Rules;

namespace ImageEdit.Commands
{
    /// <summary>
    /// Edit-Image and Get-ImageEditStream: each checked request is an edit sent now, after ShouldProcess and the
    /// -MaxCost budget, on the scheduler. A derived cmdlet says only what one request does.
    /// </summary>
    public abstract class SentEditCommandBase : ImageEditCommandBase
    {
        /// <summary>-MaxCost: no new request once this command's results cost this much (USD).</summary>
        internal abstract decimal? Budget { get; }

        /// <summary>What one request does once it is built and approved.</summary>
        internal abstract Task RunAsync(ApiConnection connection, ImageEditRequest request, EditContext context, IOutputSink sink, CancellationToken cancellation);

        internal override string Activity => Delivery == EditDelivery.Streamed ? "Streaming image edits" : "Editing images";

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (Budget != null && _commandLineParameters.Contains(nameof(Model)) && BudgetWithoutPrice(Model) is { } unpriced)
            {
                ThrowTerminatingError(unpriced);
            }
        }

        internal override void Dispatch(ImageEditRequest request)
        {
            if (Budget != null && BudgetWithoutPrice(request.Model) is { } unpriced)
            {
                // Before anything is sent for it: a budget cannot be kept for a model whose cost is not known.
                ThrowTerminatingError(unpriced);
            }
            string action = Delivery == EditDelivery.Streamed ? "Stream an edit" : "Edit";
            if (!ShouldProcess(request.SourcePath, $"{action} with prompt \"{Abbreviate(request.Prompt)}\" ({Describe(request)}) at {Connection.Origin}"))
            {
                _tally.AddWouldSend();
                return;
            }
            RequireCredentials(Connection);
            // The folder is created and proven writable before the request is paid for. Once a file could not be written
            // in it (the disk full, the folder deleted or made read-only, the run record refusing its line), nothing more
            // is sent for it: decided after the requests before this one have finished, so that their failures count.
            Scheduler.WaitForFreeSlot();
            if ((Folders.Problem(OutputDirectory, prepare: true) ?? Folders.StoppedProblem(OutputDirectory)) is { } folderError)
            {
                WriteError(ErrorRecordFactory.Create(folderError, request.SourcePath));
                _tally.AddFailed();
                return;
            }
            if (Budget is decimal budget && _tally.Cost >= budget)
            {
                // Decided after the requests before this one have finished (the free slot), so their costs count.
                FailUnsent(ErrorRecordFactory.Create(new LocalCheckException("BudgetExceeded", ErrorCategory.LimitsExceeded, request.SourcePath,
                    $"Not sent: this command's results already cost ${_tally.Cost.ToString("0.0000", CultureInfo.InvariantCulture)}, which reaches -MaxCost " +
                    $"${budget.ToString("0.####", CultureInfo.InvariantCulture)}.",
                    "Run the same command again with -Resume (and a -MaxCost for what is left): it sends only the inputs not sent, like this one."), request.SourcePath), request);
                return;
            }
            string? folder = Folders.PathOf(OutputDirectory);
            var context = new EditContext(folder is null ? null : Folders.WriterFor(folder), folder is null ? null : Folders.RecordFor(folder), _tally, MyInvocation.MyCommand.Name, Prices);
            var connection = Connection;
            var scheduler = Scheduler;
            var tally = _tally;
            // An input that fails once sent (or on the way) leaves a failure line in the record: never a result, so -Resume sends it again.
            scheduler.Start(token => RunAsync(connection, request, context, scheduler, token), request.SourcePath, tally.AddFailed,
                error => FailureOf(error, request, context.Cmdlet).TryAppendTo(context.Record));
        }

        /// <summary>The error that stops a -MaxCost command whose model has no price in the table; null when it has one.</summary>
        private ErrorRecord? BudgetWithoutPrice(string? model)
        {
            if (Prices.Find(model) != null)
            {
                return null;
            }
            string named = model is null ? "no -Model (the API's default model, whose price is not known here)" : $"the model '{model}', which has no price in the table of {Prices.Date:yyyy-MM-dd}";
            return ErrorRecordFactory.Create(new LocalCheckException("BudgetNeedsPrice", ErrorCategory.InvalidArgument, model,
                $"-MaxCost cannot be kept with {named}: the cost of its results is not known.",
                $"Name a model with a price (Get-ImageEditModel shows the prices), or give its price in a JSON file named by ${Pricing.PriceTable.FileVariable} " +
                "(see the README, \"Costs and budgets\"), or leave out -MaxCost."), model);
        }

        private static string Abbreviate(string text) => text.Length <= 60 ? text : text.Substring(0, 57) + "...";

        /// <summary>What ShouldProcess (and so -WhatIf and -Confirm) says a request would do: model, images, fields, how many results and their names.</summary>
        private string Describe(ImageEditRequest request)
        {
            var parts = new List<string> { request.Model ?? "default model" };
            if (request.Images.Count > 1) parts.Add($"{request.Images.Count - 1} reference image(s)");
            foreach (var (wireName, attachment) in request.Attachments) parts.Add(wireName + " " + attachment.Display);
            if (request.UsesJson) parts.Add("JSON body");
            var fields = request.Fields.Where(f => f.Key.WireName != "model").Select(f => $"{f.Key.WireName}={ImageEditRequest.WireText(f.Value)}").ToList();
            if (fields.Count > 0) parts.Add("fields " + string.Join(", ", fields));
            int count = request.Count ?? 1;
            parts.Add(Delivery == EditDelivery.Streamed ? $"{count} image(s) and {request.PartialImages ?? 0} partial image(s)" : $"{count} image(s)");
            if (OutputDirectory != null)
            {
                string extension = request.OutputFormat switch { "jpeg" => ".jpg", "webp" => ".webp", "gif" => ".gif", _ => ".png" };
                var names = Enumerable.Range(0, count).Select(i => OutputNames.Edited(request.Source.Stem, i, count) + extension).ToList();
                parts.Add($"saved in {OutputDirectory} as {string.Join(", ", names)} (or the next free names)");
            }
            return string.Join("; ", parts);
        }
    }
}
