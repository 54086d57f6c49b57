using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Http;
using ImageEdit.Images;
using ImageEdit.Models;
using ImageEdit.Operations;
using ImageEdit.Output;
using ImageEdit.Pipeline;
using ImageEdit.Requests;
using ImageEdit.Rules;

namespace ImageEdit.Commands
{
    /// <summary>
    /// The pipeline glue Edit-Image, Get-ImageEditStream and Start-ImageEditBatch share: each input becomes a request,
    /// the rules check it, -Resume finds it in the run record or it is handed to <see cref="Dispatch"/>, which the
    /// derived command defines (an edit sent now, or a line of a batch). The output folders and their run records are
    /// <see cref="OutputFolders"/>'s.
    /// </summary>
    public abstract class ImageEditCommandBase : ImageEditParameters
    {
        private RequestValidator? _validator;
        private protected HashSet<string> _commandLineParameters = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private readonly HashSet<string> _warned = new HashSet<string>(StringComparer.Ordinal);
        private bool _warnedOfAnotherEndpoint;
        private protected readonly RunTally _tally = new RunTally();
        private OutputFolders? _outputFolders;
        private readonly System.Diagnostics.Stopwatch _elapsed = new System.Diagnostics.Stopwatch();
        private PSObject? _inputObject;
        private bool _inputAwaitingProcessRecord;

        /// <summary>
        /// Parameters besides the request fields that bind by property name. A piped FileInfo has Size and User properties
        /// of its own (on Unix, its length and owner), which must not become -Size and -User: of a piped file only the path is taken.
        /// </summary>
        private static readonly string[] PipelineCompanionParameters =
        {
            nameof(ReferencePath), nameof(ReferenceUrl), nameof(ReferenceFileId), nameof(Mask), nameof(MaskUrl), nameof(MaskFileId),
            nameof(Markup), nameof(MarkupUrl), nameof(MarkupFileId), nameof(OutputDirectory),
        };

        /// <summary>
        /// The piped object itself (a row, a file, a string), bound before its values: not for typing. PowerShell sets it
        /// for every piped object, so the command counts each one that never reaches ProcessRecord because PowerShell
        /// refused it while binding its values (a row with no Prompt column, say): the summary's Failed includes it.
        /// </summary>
        [Parameter(ValueFromPipeline = true, DontShow = true)]
        public PSObject? InputObject
        {
            get => _inputObject;
            set
            {
                if (value != null)
                {
                    // A new piped object begins to bind: the one before it, if it never reached ProcessRecord, was refused.
                    CountInputRefusedWhileBinding();
                    _inputAwaitingProcessRecord = true;
                    BindingProblems.Clear();
                }
                _inputObject = value;
            }
        }


        /// <summary>The prices of this command's costs, read when it begins.</summary>
        private protected Pricing.PriceTable Prices => _prices ?? throw new InvalidOperationException("BeginProcessing has not run.");
        private Pricing.PriceTable? _prices;

        /// <summary>How this command's requests go: each sent now, each as a stream of events, or each as a line of a batch.</summary>
        internal abstract EditDelivery Delivery { get; }

        /// <summary>The folders this command saves into, with their writers and run records.</summary>
        private protected OutputFolders Folders => _outputFolders ?? throw new InvalidOperationException("BeginProcessing has not run.");

        internal override string? DeploymentName => Deployment;

        protected override void BeginProcessing()
        {
            // Pipeline input is bound after BeginProcessing, so these are exactly the parameters typed on the command line.
            _commandLineParameters = new HashSet<string>(MyInvocation.BoundParameters.Keys, StringComparer.OrdinalIgnoreCase);
            if (RefusedValues().FirstOrDefault() is { } refusedArgument)
            {
                // A value typed on the command line that is not of its field's kind (-Count 2.7) stops the command, as a binding error does.
                ThrowTerminatingError(refusedArgument);
            }
            if (MyInvocation.ExpectingInput && _commandLineParameters.Contains(nameof(Path)) && !_commandLineParameters.Contains(nameof(Prompt))
                && Path.Length == 1 && !System.IO.File.Exists(Path[0]) && !System.IO.Directory.Exists(Path[0]) && !WildcardPattern.ContainsWildcardCharacters(Path[0]))
            {
                // "Get-ChildItem *.png | Edit-Image 'make it snow'": the text took the first position, which is -Path.
                ThrowTerminatingError(ErrorRecordFactory.Create(new LocalCheckException("PromptNotNamed", ErrorCategory.InvalidArgument, Path[0],
                    $"'{Path[0]}' was given in the first position, which is -Path, while the images come from the pipeline; it looks like the prompt.",
                    $"Name it: ... | {MyInvocation.MyCommand.Name} -Prompt '{Path[0].Replace("'", "''")}'"), Path[0]));
            }
            base.BeginProcessing();
            _outputFolders = new OutputFolders(this, Force.IsPresent);
            _prices = PriceTables.Load(this);
            _elapsed.Start();
            if (Resume && OutputDirectory is null && !MyInvocation.ExpectingInput)
            {
                ThrowTerminatingError(ErrorRecordFactory.Create(new LocalCheckException("ResumeNeedsOutputDirectory", ErrorCategory.InvalidArgument, null,
                    "-Resume finds earlier results in the run record of -OutputDirectory, and no -OutputDirectory was given.",
                    "Pass -OutputDirectory, the folder the earlier run saved into."), null));
            }
            // The API's model list gives the lifecycle its dates; with -WhatIf only a cached list is read (nothing is sent).
            _validator = new RequestValidator(new ImageProbeCache(), Connection,
                apiShutdownDates: new ApiShutdownDates(Connection, ModelListCache.Default(), mayFetch: !WhatIfInEffect));
            if (ModelLifecycle.TodayOverrideProblem() is { } clockProblem)
            {
                WriteWarning(clockProblem);
            }
        }

        protected override void ProcessRecord()
        {
            _inputAwaitingProcessRecord = false;
            var refused = RefusedValues();
            if (refused.Count > 0)
            {
                // A value of this input is not of its field's kind (a CSV cell Count=abc): the input fails alone, and is counted.
                foreach (var error in refused)
                {
                    WriteError(error);
                }
                _tally.AddFailed();
                return;
            }
            IgnoreFieldsOfProviderItems();
            var resolver = new InputPathResolver(this);
            var inputs = new InputSources(this, resolver).Resolve(ParameterSetName == LiteralPathSet ? LiteralPath : null, ParameterSetName == LiteralPathSet ? null : Path, ImageUrl, FileId);
            List<ImageSource> references;
            ImageSource? mask;
            ImageSource? markup;
            LocalCheckException? companionError = null;
            try
            {
                references = resolver.ResolveMany(ReferencePath, "ReferencePath").Select(ImageSource.File)
                    .Concat((ReferenceUrl ?? Array.Empty<string>()).Select(ImageSource.Url))
                    .Concat((ReferenceFileId ?? Array.Empty<string>()).Select(ImageSource.FileId))
                    .ToList();
                mask = InputSources.OneMask(resolver, Mask, MaskUrl, MaskFileId);
                markup = InputSources.OneMarkup(resolver, Markup, MarkupUrl, MarkupFileId);
            }
            catch (LocalCheckException ex)
            {
                companionError = ex;
                references = new List<ImageSource>();
                mask = null;
                markup = null;
            }

            foreach (var input in inputs)
            {
                if (input.Error != null)
                {
                    WriteError(input.Error);
                    _tally.AddFailed();
                    continue;
                }
                if (companionError != null)
                {
                    // A missing reference image or mask fails each input it was meant for, named by that input.
                    WriteError(ErrorRecordFactory.Create(companionError, input.Source!.Identity));
                    _tally.AddFailed();
                    continue;
                }
                var request = BuildRequest(input.Source!, references, mask, markup);
                if (Check(request))
                {
                    Submit(request);
                }
            }
        }

        /// <summary>The errors for the values request fields refused while this input (or the command line) was bound.</summary>
        private IReadOnlyList<ErrorRecord> RefusedValues() => BindingProblems.TakeErrors(MyInvocation.BoundParameters, _inputObject);

        /// <summary>
        /// Counts as failed the piped input PowerShell refused while binding it (its error is PowerShell's): it was bound
        /// and never reached ProcessRecord. Called when the next input begins to bind, and once more at the end.
        /// </summary>
        private void CountInputRefusedWhileBinding()
        {
            if (_inputAwaitingProcessRecord)
            {
                _inputAwaitingProcessRecord = false;
                _tally.AddFailed();
            }
        }

        /// <summary>
        /// An item from Get-ChildItem or Get-Item binds as a provider-qualified path (through PSPath, or through
        /// <see cref="PipedItemPathAttribute"/>); of such an object only the path is taken, and the request fields come from
        /// the command line alone.
        /// </summary>
        private void IgnoreFieldsOfProviderItems()
        {
            bool pipedProviderItem = ParameterSetName == LiteralPathSet
                ? !_commandLineParameters.Contains(nameof(LiteralPath)) && LiteralPath.Any(p => p.Contains("::"))
                : !_commandLineParameters.Contains(nameof(Path)) && Path.Any(PipedItemPathAttribute.IsPipedItemPath);
            if (!pipedProviderItem)
            {
                return;
            }
            var bindable = RequestFields.Declared(GetType()).Select(f => f.Property)
                .Concat(PipelineCompanionParameters.Select(name => GetType().GetProperty(name)!));
            foreach (var property in bindable)
            {
                if (!_commandLineParameters.Contains(property.Name))
                {
                    property.SetValue(this, null);
                }
            }
        }

        /// <summary>Applies the rules before anything is sent; a broken rule is this input's error and the batch goes on.</summary>
        private bool Check(ImageEditRequest request)
        {
            var result = _validator!.Validate(request);
            foreach (var note in result.Notes)
            {
                WriteVerbose(note);
            }
            foreach (var warning in result.Warnings)
            {
                // A batch hears each warning once (the same model or mask goes with every input).
                if (_warned.Add(warning))
                {
                    WriteWarning(warning);
                }
            }
            if (result.Error != null)
            {
                FailUnsent(ErrorRecordFactory.Create(result.Error, request.SourcePath), request);
                return false;
            }
            if (Folders.Problem(OutputDirectory, prepare: false) is { } folderError)
            {
                WriteError(ErrorRecordFactory.Create(folderError, request.SourcePath));
                _tally.AddFailed();
                return false;
            }
            return true;
        }

        /// <summary>
        /// An input that fails before it is sent (its checks, the budget): its error, counted, and a failure line in the
        /// folder's run record when the folder is there to take it, so that the review page shows it (never a result:
        /// -Resume sends it again). Nothing is written under -WhatIf, and no folder is created for it.
        /// </summary>
        private protected void FailUnsent(ErrorRecord error, ImageEditRequest request)
        {
            WriteError(error);
            _tally.AddFailed();
            if (!WhatIfInEffect)
            {
                Folders.RecordFailure(OutputDirectory, FailureOf(error, request, MyInvocation.MyCommand.Name));
            }
        }

        protected override void EndProcessing()
        {
            base.EndProcessing();
            Folders.WriteWaitingFailures();
            WriteSummary();
        }

        /// <summary>The -WhatIf line and the run summary that end every command.</summary>
        private protected void WriteSummary()
        {
            CountInputRefusedWhileBinding();
            _elapsed.Stop();
            if (WhatIfInEffect)
            {
                int resumed = _tally.Resumed;
                string whatIf = $"{_tally.WouldSend} input(s) would be sent" + (Resume ? $" and {resumed} resumed from the run record (not sent again)." : ".");
                ShouldProcess(whatIf, whatIf, "Summary");
            }
            var summary = _tally.Describe(new ImageEditRunSummary(_tally.Edited, _tally.Resumed, _tally.Failed, _tally.ImagesSaved, _tally.InputTokens, _tally.OutputTokens,
                _tally.TotalTokens, _elapsed.Elapsed, Folders.FirstRecordPath, Folders.FailedSaves, _tally.Submitted));
            WriteInformation(summary, new[] { "ImageEdit", "RunSummary" });
        }

        private protected bool WhatIfInEffect =>
            MyInvocation.BoundParameters.TryGetValue("WhatIf", out var whatIf) ? ((SwitchParameter)whatIf).IsPresent
                : GetVariableValue("WhatIfPreference") is object preference && LanguagePrimitives.IsTrue(preference);

        private void Submit(ImageEditRequest request)
        {
            if (Resume && TryResume(request))
            {
                return;
            }
            Dispatch(request);
        }

        /// <summary>What a checked request becomes: an edit sent now (after ShouldProcess), or a line of a batch.</summary>
        internal abstract void Dispatch(ImageEditRequest request);

        /// <summary>-Resume: writes the recorded result of an identical earlier request, when the run record has one; true when it did.</summary>
        private bool TryResume(ImageEditRequest request)
        {
            string? folder = OutputDirectory is null ? null : Folders.PathOf(OutputDirectory);
            if (folder is null)
            {
                WriteError(ErrorRecordFactory.Create(new LocalCheckException("ResumeNeedsOutputDirectory", ErrorCategory.InvalidArgument, request.SourcePath,
                    "-Resume finds earlier results in the run record of -OutputDirectory, and this input gave none.", "Pass -OutputDirectory."), request.SourcePath));
                _tally.AddFailed();
                return true;
            }
            var record = Folders.RecordFor(folder);
            RecordEntry? entry;
            try
            {
                entry = Resumer.FindResumable(record, request, Connection);
            }
            catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException)
            {
                WriteVerbose($"Could not check {request.Source.Display} against the run record ({ex.Message}); it is sent.");
                return false;
            }
            if (entry is null)
            {
                WarnOnceOfAnotherEndpoint(record, request, folder);
                return false;
            }
            WriteVerbose($"Resumed {request.Source.Display}: the run record has its result (request id {entry.RequestId}); not sent again.");
            _tally.AddResumed();
            if (!WhatIfInEffect && Delivery != EditDelivery.BatchLine)
            {
                WriteObject(Resumer.Output(entry, record, request, Delivery == EditDelivery.Streamed));
            }
            return true;
        }

        /// <summary>
        /// Says once per command, before paying again, that the record has results for these inputs from another
        /// endpoint, which -Resume does not reuse: a changed base URL, host name or port would otherwise re-send a whole
        /// batch without a word.
        /// </summary>
        private void WarnOnceOfAnotherEndpoint(RunRecord record, ImageEditRequest request, string folder)
        {
            if (_warnedOfAnotherEndpoint)
            {
                return;
            }
            string? other = Resumer.RecordedForAnotherEndpoint(record, request, Connection);
            if (other is null)
            {
                return;
            }
            _warnedOfAnotherEndpoint = true;
            WriteWarning($"The run record in {folder} has a result for {request.Source.Display} from another endpoint ({other}). " +
                $"-Resume reuses only results from the endpoint this command sends to ({Connection.EditsUri(request.Model).AbsoluteUri}), " +
                "so it and any other input like it are sent again. To reuse them, send to the same base URL (-BaseUri or OPENAI_BASE_URL, " +
                "with the same host name and port) as the run that made them.");
        }

        private protected static FailureLine FailureOf(ErrorRecord error, ImageEditRequest request, string cmdlet)
        {
            var line = FailureLine.From(error, request.SourcePath, cmdlet);
            line.Model = request.Model;
            line.Prompt = request.Prompt;
            line.RequestId = (error.Exception as Http.ApiException)?.RequestId;
            return line;
        }

        private ImageEditRequest BuildRequest(ImageSource image, IReadOnlyList<ImageSource> references, ImageSource? mask, ImageSource? markup)
        {
            var images = new List<ImageSource>(1 + references.Count) { image };
            images.AddRange(references);
            var fields = new List<KeyValuePair<string, object?>>();
            foreach (var (field, property) in RequestFields.Declared(GetType()))
            {
                object? value = property.GetValue(this);
                if (value is string model && field.WireName == "model")
                {
                    value = ModelCatalog.Canonical(model);
                }
                fields.Add(new KeyValuePair<string, object?>(field.WireName, value is null ? null : field.Canonical(value)));
            }
            return new ImageEditRequest(images, Prompt, mask, fields, stream: Delivery == EditDelivery.Streamed, forBatch: Delivery == EditDelivery.BatchLine, markup: markup);
        }
    }

    /// <summary>How a command's requests go: each sent now, each as a stream of server-sent events, or each as a line of a Batch API job.</summary>
    internal enum EditDelivery
    {
        Sent,
        Streamed,
        BatchLine,
    }
}
