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

// The request fields are the [RequestField] parameters of these cmdlets, in this order (see RequestFields).
[assembly: ImageEdit.Requests.RequestFieldsDeclaredIn(typeof(ImageEdit.Commands.ImageEditCommandBase), typeof(ImageEdit.Commands.GetImageEditStreamCommand))]

namespace ImageEdit.Commands
{
    /// <summary>
    /// The parameters and pipeline glue Edit-Image and Get-ImageEditStream share: inputs become requests, the rules
    /// check them, ShouldProcess approves them, and the scheduler runs them. A derived cmdlet says only whether it
    /// streams and what one request does.
    /// </summary>
    public abstract class ImageEditCommandBase : ScheduledCommandBase
    {
        internal const string PathSet = "Path";
        internal const string LiteralPathSet = "LiteralPath";
        private RequestValidator? _validator;
        private HashSet<string> _commandLineParameters = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, LocalCheckException?> _inspectedFolders = new Dictionary<string, LocalCheckException?>(StringComparer.Ordinal);
        private readonly Dictionary<string, LocalCheckException?> _preparedFolders = new Dictionary<string, LocalCheckException?>(StringComparer.Ordinal);
        private readonly Dictionary<string, ImageFileWriter> _writers = new Dictionary<string, ImageFileWriter>(StringComparer.Ordinal);
        private readonly HashSet<string> _warned = new HashSet<string>(StringComparer.Ordinal);
        private bool _warnedOfAnotherEndpoint;
        private readonly List<(string Folder, FailureLine Line)> _failuresBeforeFolder = new List<(string, FailureLine)>();
        private readonly Dictionary<string, RunRecord> _records = new Dictionary<string, RunRecord>(StringComparer.Ordinal);
        private protected readonly RunTally _tally = new RunTally();
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

        /// <summary>The image(s) to edit, one request each. Wildcards are expanded; a piped string or FileInfo binds here.</summary>
        [Parameter(Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [PipedItemPath]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>The image(s) to edit, taken exactly as written (no wildcards).</summary>
        /// <remarks>
        /// Not mandatory in its set: a mandatory pipeline parameter makes PowerShell try its set first for every piped row,
        /// so a row's null or empty LiteralPath cell would bind (and fail the row) before its Path or ImageUrl could.
        /// A row's LiteralPath column is read by <see cref="PipedItemPathAttribute"/> instead.
        /// </remarks>
        [Parameter(ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>Images to edit by URL (https, or a base64 data URL), one request each; sent as a JSON body.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        public string[]? ImageUrl { get; set; }

        /// <summary>Images to edit by the ID of a file uploaded with Add-ImageEditFile, one request each; sent as a JSON body.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        public string[]? FileId { get; set; }

        /// <summary>What to do to the image: the text description of the desired result.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string Prompt { get; set; } = string.Empty;

        /// <summary>Extra images sent after the edited one in every request, for the model to draw on. Wildcards are expanded; a FileInfo binds by its exact path.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [EmptyStringAsNull]
        [PipedItemPath]
        public string[]? ReferencePath { get; set; }

        /// <summary>Reference images by URL (https or data URL), after any -ReferencePath; sent as a JSON body.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        public string[]? ReferenceUrl { get; set; }

        /// <summary>Reference images by uploaded file ID, after any -ReferencePath and -ReferenceUrl; sent as a JSON body.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        public string[]? ReferenceFileId { get; set; }

        /// <summary>A PNG whose fully transparent pixels mark where the first image is edited; same width and height as that image.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        [PipedItemPath]
        public string? Mask { get; set; }

        /// <summary>The mask by URL (https or data URL); sent as a JSON body.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        public string? MaskUrl { get; set; }

        /// <summary>The mask by uploaded file ID; sent as a JSON body.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        public string? MaskFileId { get; set; }

        /// <summary>
        /// A PNG with transparency whose drawn annotations (arrows, circles, notes) over the first image guide the edit
        /// (gpt-image-2.6); same width and height as that image, and not together with a mask. Sent as the part markup.
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        [PipedItemPath]
        public string? Markup { get; set; }

        /// <summary>The markup image by URL (https or data URL); sent as a JSON body.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        public string? MarkupUrl { get; set; }

        /// <summary>The markup image by uploaded file ID; sent as a JSON body.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        public string? MarkupFileId { get; set; }

        /// <summary>The model, e.g. gpt-image-2. Left out, none is sent and the API uses its default. A name the rules table does not know is sent as given.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("model", FieldKind.Text)]
        [ArgumentCompleter(typeof(ModelCompleter))]
        public string? Model { get; set; }

        /// <summary>How many images to generate, 1 to 10 (the field n).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("N")]
        [RequestField("n", FieldKind.Integer, Minimum = 1, Maximum = 10)]
        public int? Count { get; set; }

        /// <summary>The size of the result: 1024x1024, 1536x1024, 1024x1536 or auto; 256x256 and 512x512 for dall-e-2; WIDTHxHEIGHT for gpt-image-2 (multipart only).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("size", FieldKind.Text, Values = "1024x1024|1536x1024|1024x1536|auto|256x256|512x512", JsonValues = "auto|1024x1024|1536x1024|1024x1536")]
        [ArgumentCompleter(typeof(SizeCompleter))]
        public string? Size { get; set; }

        /// <summary>Rendering quality: low, medium, high or auto; also xhigh and max for gpt-image-2.5 and 2.6 (standard for dall-e-2).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("quality", FieldKind.Choice, Values = "low|medium|high|auto|xhigh|max|standard")]
        [ArgumentCompleter(typeof(FieldValueCompleter))]
        public string? Quality { get; set; }

        /// <summary>How much the model plans before it draws: low, medium or high (gpt-image-2.6), separate from -Quality. Left out, the model's default.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("complexity", FieldKind.Choice, Values = "low|medium|high", GptImageOnly = true)]
        [ArgumentCompleter(typeof(FieldValueCompleter))]
        public string? Complexity { get; set; }

        /// <summary>The background of the result: transparent (needs png or webp output), opaque or auto.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("background", FieldKind.Choice, Values = "transparent|opaque|auto", GptImageOnly = true)]
        [ArgumentCompleter(typeof(FieldValueCompleter))]
        public string? Background { get; set; }

        /// <summary>How closely to keep the style and features (faces especially) of the input: high or low.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("input_fidelity", FieldKind.Choice, Values = "high|low", GptImageOnly = true)]
        [ArgumentCompleter(typeof(FieldValueCompleter))]
        public string? InputFidelity { get; set; }

        /// <summary>The encoding of the result: png, jpeg or webp (GPT image models); gif, an animation, for gpt-image-2.6.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("output_format", FieldKind.Choice, Values = "png|jpeg|webp|gif", GptImageOnly = true)]
        [ArgumentCompleter(typeof(FieldValueCompleter))]
        public string? OutputFormat { get; set; }

        /// <summary>With -OutputFormat gif: how many frames the animation has, 2 to 16 (the API's default is 9).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("frame_count", FieldKind.Integer, Minimum = 2, Maximum = 16, GptImageOnly = true)]
        public int? FrameCount { get; set; }

        /// <summary>With -OutputFormat gif: how long each frame shows, in milliseconds, 20 or more (the API's default is 200, rounded to 10 ms).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("frame_duration_ms", FieldKind.Integer, Minimum = 20, GptImageOnly = true)]
        public int? FrameDurationMs { get; set; }

        /// <summary>Compression of jpeg or webp results, 0 to 100 percent.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("output_compression", FieldKind.Integer, Minimum = 0, Maximum = 100, GptImageOnly = true)]
        public int? OutputCompression { get; set; }

        /// <summary>How strictly the content is moderated: low or auto (GPT image models; sent as a JSON body).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("moderation", FieldKind.Choice, Values = "low|auto", Bodies = BodyForms.Json, GptImageOnly = true)]
        [ArgumentCompleter(typeof(FieldValueCompleter))]
        public string? Moderation { get; set; }

        /// <summary>url or b64_json; dall-e-2 only (GPT image models always answer base64).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("response_format", FieldKind.Choice, Values = "url|b64_json", Bodies = BodyForms.Multipart)]
        [ArgumentCompleter(typeof(FieldValueCompleter))]
        public string? ResponseFormat { get; set; }

        /// <summary>An identifier of your end user, which helps OpenAI detect abuse.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("user", FieldKind.Text)]
        public string? User { get; set; }

        /// <summary>A folder to save every returned image in (created if missing); existing files are never overwritten unless -Force.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        public string? OutputDirectory { get; set; }

        /// <summary>
        /// With -OutputDirectory: an input whose identical request (same source bytes, references, mask, prompt and fields,
        /// same endpoint) is already in the folder's run record, with its saved files unchanged, is not sent again; its
        /// recorded result is written instead, marked Resumed.
        /// </summary>
        [Parameter]
        public SwitchParameter Resume { get; set; }

        /// <summary>With -OutputDirectory: replace a file of the same name instead of choosing a free name.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Azure: the deployment to post to. Default: $env:AZURE_OPENAI_DEPLOYMENT, else the -Model of each request.</summary>
        [Parameter]
        public string? Deployment { get; set; }

        /// <summary>-MaxCost of Edit-Image and Get-ImageEditStream: no new request once this command's results cost this much (USD).</summary>
        internal virtual decimal? Budget => null;

        /// <summary>The prices of this command's costs, read when it begins.</summary>
        private protected Pricing.PriceTable Prices => _prices ?? throw new InvalidOperationException("BeginProcessing has not run.");
        private Pricing.PriceTable? _prices;

        /// <summary>True for Get-ImageEditStream: the request asks for server-sent events.</summary>
        internal abstract bool Streams { get; }

        /// <summary>What one request does once it is built and approved.</summary>
        internal abstract Task RunAsync(ApiConnection connection, ImageEditRequest request, EditContext context, IOutputSink sink, CancellationToken cancellation);

        internal override string Activity => Streams ? "Streaming image edits" : "Editing images";

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
            _prices = PriceTables.Load(this);
            if (Budget != null && _commandLineParameters.Contains(nameof(Model)) && BudgetWithoutPrice(Model) is { } unpriced)
            {
                ThrowTerminatingError(unpriced);
            }
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

        /// <summary>
        /// The errors for the values request fields refused while this input (or the command line) was bound: only those of
        /// fields PowerShell did bind, to nothing, this time (a note left by a binding that failed later is not this input's).
        /// Each is PowerShell's own ParameterArgumentTransformationError, InvalidArgument, naming the parameter, with the row as TargetObject.
        /// </summary>
        private List<ErrorRecord> RefusedValues()
        {
            var errors = new List<ErrorRecord>();
            foreach (var problem in BindingProblems.Take())
            {
                string parameter = RequestFields.Wire(problem.WireName).ParameterName;
                if (!MyInvocation.BoundParameters.TryGetValue(parameter, out var bound) || bound != null)
                {
                    continue;
                }
                object? target = _inputObject ?? problem.Value;
                var error = new ErrorRecord(new ParameterBindingException($"Cannot process argument transformation on parameter '{parameter}'. {problem.Problem} {problem.Advice}"),
                    "ParameterArgumentTransformationError", ErrorCategory.InvalidArgument, target);
                error.ErrorDetails = new ErrorDetails(error.Exception.Message) { RecommendedAction = problem.Advice };
                errors.Add(error);
            }
            return errors;
        }

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
            if (OutputFolderProblem(prepare: false) is { } folderError)
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
        private void FailUnsent(ErrorRecord error, ImageEditRequest request)
        {
            WriteError(error);
            _tally.AddFailed();
            if (WhatIfInEffect || OutputDirectory is null)
            {
                return;
            }
            string? folder;
            try
            {
                folder = OutputFolderPath();
            }
            catch (Exception ex) when (ex is NotSupportedException || ex is ArgumentException || ex is ItemNotFoundException || ex is PSInvalidOperationException
                || ex is System.Management.Automation.DriveNotFoundException || ex is ProviderNotFoundException)
            {
                return;
            }
            if (folder is null)
            {
                return;
            }
            var line = FailureOf(error, request, MyInvocation.MyCommand.Name);
            if (System.IO.Directory.Exists(folder))
            {
                line.TryAppendTo(RecordFor(folder));
            }
            else
            {
                // The folder is made for the first input sent; a failure before that is written once it exists.
                _failuresBeforeFolder.Add((folder, line));
            }
        }

        /// <summary>Writes the failure lines of inputs refused before their folder existed, into the folders that exist now.</summary>
        private protected void WriteFailuresBeforeFolder()
        {
            foreach (var (folder, line) in _failuresBeforeFolder)
            {
                if (System.IO.Directory.Exists(folder))
                {
                    line.TryAppendTo(RecordFor(folder));
                }
            }
            _failuresBeforeFolder.Clear();
        }

        protected override void EndProcessing()
        {
            base.EndProcessing();
            WriteFailuresBeforeFolder();
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
                _tally.TotalTokens, _elapsed.Elapsed, _records.Values.Select(r => r.Path).FirstOrDefault(), _writers.Values.Sum(w => w.FailedSaves), _tally.Submitted));
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

        /// <summary>Whether requests go as batch lines (Start-ImageEditBatch): JSON bodies, local files uploaded and named by file ID.</summary>
        internal virtual bool ForBatch => false;

        /// <summary>
        /// What a checked request becomes: for Edit-Image and Get-ImageEditStream, an edit sent now (after ShouldProcess);
        /// Start-ImageEditBatch makes it a line of a batch instead.
        /// </summary>
        internal virtual void Dispatch(ImageEditRequest request)
        {
            if (Budget != null && BudgetWithoutPrice(request.Model) is { } unpriced)
            {
                // Before anything is sent for it: a budget cannot be kept for a model whose cost is not known.
                ThrowTerminatingError(unpriced);
            }
            string action = Streams ? "Stream an edit" : "Edit";
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
            if ((OutputFolderProblem(prepare: true) ?? StoppedFolderProblem()) is { } folderError)
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
            string? folder = OutputFolderPath();
            var context = new EditContext(folder is null ? null : WriterFor(folder), folder is null ? null : RecordFor(folder), _tally, MyInvocation.MyCommand.Name, Prices);
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

        /// <summary>-Resume: writes the recorded result of an identical earlier request, when the run record has one; true when it did.</summary>
        private bool TryResume(ImageEditRequest request)
        {
            string? folder = OutputDirectory is null ? null : OutputFolderPath();
            if (folder is null)
            {
                WriteError(ErrorRecordFactory.Create(new LocalCheckException("ResumeNeedsOutputDirectory", ErrorCategory.InvalidArgument, request.SourcePath,
                    "-Resume finds earlier results in the run record of -OutputDirectory, and this input gave none.", "Pass -OutputDirectory."), request.SourcePath));
                _tally.AddFailed();
                return true;
            }
            var record = RecordFor(folder);
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
            if (!WhatIfInEffect && !ForBatch)
            {
                WriteObject(Resumer.Output(entry, record, request, Streams));
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

        private static FailureLine FailureOf(ErrorRecord error, ImageEditRequest request, string cmdlet)
        {
            var line = FailureLine.From(error, request.SourcePath, cmdlet);
            line.Model = request.Model;
            line.Prompt = request.Prompt;
            line.RequestId = (error.Exception as Http.ApiException)?.RequestId;
            return line;
        }

        /// <summary>One run record per folder for the whole command.</summary>
        private protected RunRecord RecordFor(string folder)
        {
            if (!_records.TryGetValue(folder, out var record))
            {
                record = _records[folder] = new RunRecord(folder);
            }
            return record;
        }

        /// <summary>One writer per folder for the whole command, so that -Force never lets this command's results replace each other.</summary>
        private ImageFileWriter WriterFor(string folder)
        {
            if (!_writers.TryGetValue(folder, out var writer))
            {
                writer = _writers[folder] = new ImageFileWriter(folder, Force.IsPresent);
                SavingWarmUp.StartOnce(writer);
            }
            return writer;
        }

        /// <summary>-OutputDirectory as a full file-system path, relative to the current location; another provider's path is refused.</summary>
        private protected string? OutputFolderPath()
        {
            if (OutputDirectory is null)
            {
                return null;
            }
            string folder = SessionState.Path.GetUnresolvedProviderPathFromPSPath(OutputDirectory, out var provider, out _);
            if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
            {
                throw new NotSupportedException($"it is on the {provider.Name} provider, not a folder on disk");
            }
            return folder;
        }

        /// <summary>
        /// Why nothing more is sent for this input's folder: an earlier file of this command could not be written there.
        /// A recheck would not do: a full disk still takes the empty probe file, and the run would go on paying for
        /// images it could only hold in memory.
        /// </summary>
        private LocalCheckException? StoppedFolderProblem()
        {
            string? folder = OutputFolderPath();
            return folder != null && _writers.TryGetValue(folder, out var writer) && writer.StoppedTakingFiles is { } why
                ? OutputFolder.StoppedTakingFiles(folder, why, "nothing was sent for this input: its images could not have been saved either.",
                    "Free space in the folder (or make it writable again), then run the same command again with -Resume: only the inputs without a saved result are sent.")
                : null;
        }

        /// <summary>Why -OutputDirectory cannot take the results (checked once per folder and command), or null when it can.</summary>
        private protected LocalCheckException? OutputFolderProblem(bool prepare)
        {
            string? folder;
            try
            {
                folder = OutputFolderPath();
            }
            catch (Exception ex) when (ex is ItemNotFoundException || ex is System.Management.Automation.DriveNotFoundException || ex is ProviderNotFoundException
                || ex is NotSupportedException || ex is ArgumentException || ex is PSInvalidOperationException)
            {
                return OutputFolder.Unusable(OutputDirectory!, ex.Message);
            }
            if (folder is null)
            {
                return null;
            }
            var checks = prepare ? _preparedFolders : _inspectedFolders;
            if (!checks.TryGetValue(folder, out var problem))
            {
                problem = prepare ? OutputFolder.Prepare(folder) : OutputFolder.Inspect(folder);
                // The run record must take this run's lines too, or -Resume would pay for every result again.
                if (problem is null && RecordFor(folder).Problem() is { } recordProblem)
                {
                    problem = OutputFolder.Unusable(folder, recordProblem);
                }
                checks[folder] = problem;
            }
            return problem;
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
            return new ImageEditRequest(images, Prompt, mask, fields, Streams, ForBatch, markup);
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
            parts.Add(Streams ? $"{count} image(s) and {request.PartialImages ?? 0} partial image(s)" : $"{count} image(s)");
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
