using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Http;
using ImageEdit.Models;
using ImageEdit.Output;
using ImageEdit.Images;
using ImageEdit.Pipeline;
using ImageEdit.Requests;
using ImageEdit.Rules;

namespace ImageEdit.Commands
{
    /// <summary>
    /// The parameters, path resolution and pipeline plumbing Edit-Image and Get-ImageEditStream share.
    /// A derived cmdlet says only whether it streams and what one request does.
    /// </summary>
    public abstract class ImageEditCommandBase : PSCmdlet, IDisposable
    {
        internal const string PathSet = "Path";
        internal const string LiteralPathSet = "LiteralPath";
        private OperationScheduler? _scheduler;
        private ApiConnection? _connection;
        private RequestValidator? _validator;
        private HashSet<string> _commandLineParameters = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, LocalCheckException?> _inspectedFolders = new Dictionary<string, LocalCheckException?>(StringComparer.Ordinal);
        private readonly Dictionary<string, LocalCheckException?> _preparedFolders = new Dictionary<string, LocalCheckException?>(StringComparer.Ordinal);

        /// <summary>
        /// Parameters besides the request fields that bind by property name. A piped FileInfo has Size and User properties
        /// of its own (on Unix, its length and owner), which must not become -Size and -User: of a piped file only the path is taken.
        /// </summary>
        private static readonly string[] PipelineFileParameters = { nameof(ReferencePath), nameof(Mask), nameof(OutputDirectory) };

        /// <summary>The image(s) to edit, one request each. Wildcards are expanded; a piped string binds here.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [PipedItemPath]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>The image(s) to edit, taken exactly as written (no wildcards). A piped FileInfo binds here through its PSPath.</summary>
        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

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

        /// <summary>A PNG whose fully transparent pixels mark where the first image is edited; same width and height as that image.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        [PipedItemPath]
        public string? Mask { get; set; }

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

        /// <summary>The size of the result: 1024x1024, 1536x1024, 1024x1536 or auto; 256x256 and 512x512 for dall-e-2; WIDTHxHEIGHT for gpt-image-2.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("size", FieldKind.Text, Values = "1024x1024|1536x1024|1024x1536|auto|256x256|512x512", JsonValues = "auto|1024x1024|1536x1024|1024x1536")]
        [ArgumentCompleter(typeof(SizeCompleter))]
        public string? Size { get; set; }

        /// <summary>Rendering quality: low, medium, high or auto (standard for dall-e-2).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("quality", FieldKind.Choice, Values = "low|medium|high|auto|standard")]
        [ArgumentCompleter(typeof(FieldValueCompleter))]
        public string? Quality { get; set; }

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

        /// <summary>The encoding of the result: png, jpeg or webp (GPT image models).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("output_format", FieldKind.Choice, Values = "png|jpeg|webp", GptImageOnly = true)]
        [ArgumentCompleter(typeof(FieldValueCompleter))]
        public string? OutputFormat { get; set; }

        /// <summary>Compression of jpeg or webp results, 0 to 100 percent.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("output_compression", FieldKind.Integer, Minimum = 0, Maximum = 100, GptImageOnly = true)]
        public int? OutputCompression { get; set; }

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

        /// <summary>With -OutputDirectory: replace a file of the same name instead of choosing a free name.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>OpenAI or Azure. Default: Azure when $env:AZURE_OPENAI_ENDPOINT is set and no OpenAI base URI or key is given; else OpenAI.</summary>
        [Parameter]
        public ApiType? ApiType { get; set; }

        /// <summary>Azure: the deployment to post to. Default: $env:AZURE_OPENAI_DEPLOYMENT, else the -Model of each request.</summary>
        [Parameter]
        public string? Deployment { get; set; }

        /// <summary>Azure: the api-version query parameter. Default: $env:OPENAI_API_VERSION, else 2025-04-01-preview.</summary>
        [Parameter]
        public string? ApiVersion { get; set; }

        /// <summary>Azure: a Microsoft Entra ID access token, sent as a bearer token instead of a key.</summary>
        [Parameter]
        public SecureString? AccessToken { get; set; }

        /// <summary>The API key. Default: $env:OPENAI_API_KEY (Azure: $env:AZURE_OPENAI_API_KEY).</summary>
        [Parameter]
        public SecureString? ApiKey { get; set; }

        /// <summary>The API's base address. Default: $env:OPENAI_BASE_URL, else https://api.openai.com/v1. Azure: the resource endpoint (https://NAME.openai.azure.com); default $env:AZURE_OPENAI_ENDPOINT.</summary>
        [Parameter]
        public Uri? BaseUri { get; set; }

        /// <summary>Sent as OpenAI-Organization. Default: $env:OPENAI_ORG_ID.</summary>
        [Parameter]
        public string? Organization { get; set; }

        /// <summary>Sent as OpenAI-Project. Default: $env:OPENAI_PROJECT_ID.</summary>
        [Parameter]
        public string? Project { get; set; }

        /// <summary>Seconds one try may go without an answer (a stream: without data) before it is abandoned. Default 600.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int TimeoutSec { get; set; } = 600;

        /// <summary>How many more times a transient failure (408, 409, 429, 5xx, a dropped connection, a timeout) is tried. Default 2.</summary>
        [Parameter]
        [ValidateRange(0, 100)]
        public int MaximumRetryCount { get; set; } = 2;

        /// <summary>How many requests may be in flight at once, over one shared connection pool. Default 4.</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 4;

        /// <summary>Allow sending the key over plain http to a host that is not this machine.</summary>
        [Parameter]
        public SwitchParameter AllowUnencryptedAuthentication { get; set; }

        /// <summary>True for Get-ImageEditStream: the request asks for server-sent events.</summary>
        internal abstract bool Streams { get; }

        /// <summary>What one request does once it is built and approved.</summary>
        internal abstract Task RunAsync(ApiConnection connection, ImageEditRequest request, ImageFileWriter? writer, IOutputSink sink, CancellationToken cancellation);

        protected override void BeginProcessing()
        {
            // Pipeline input is bound after BeginProcessing, so these are exactly the parameters typed on the command line.
            _commandLineParameters = new HashSet<string>(MyInvocation.BoundParameters.Keys, StringComparer.OrdinalIgnoreCase);
            _connection = ConnectionFactory.Create(this);
            _scheduler = new OperationScheduler(this, ThrottleLimit, Streams ? "Streaming image edits" : "Editing images");
            _validator = new RequestValidator(new ImageProbeCache());
        }

        protected override void ProcessRecord()
        {
            IgnoreFieldsOfProviderItems();
            var resolver = new InputPathResolver(this);
            IReadOnlyList<string> references = Array.Empty<string>();
            string? mask = null;
            LocalCheckException? companionError = null;
            try
            {
                references = resolver.ResolveMany(ReferencePath, "ReferencePath");
                mask = Mask is null ? null : resolver.ResolveOne(Mask, "Mask");
            }
            catch (LocalCheckException ex)
            {
                companionError = ex;
            }

            bool literal = ParameterSetName == LiteralPathSet;
            foreach (string input in literal ? LiteralPath : Path)
            {
                foreach (var resolved in resolver.ResolveInput(input, literal))
                {
                    if (resolved.Error != null)
                    {
                        WriteError(resolved.Error);
                        continue;
                    }
                    if (companionError != null)
                    {
                        // A missing reference image or mask fails each input it was meant for, named by that input.
                        WriteError(ErrorRecordFactory.Create(companionError, resolved.Path));
                        continue;
                    }
                    var request = BuildRequest(resolved.Path!, references, mask);
                    if (Check(request))
                    {
                        Submit(request);
                    }
                }
            }
        }

        protected override void EndProcessing() => _scheduler?.WaitAll();

        protected override void StopProcessing() => _scheduler?.Cancel();

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
                .Concat(PipelineFileParameters.Select(name => GetType().GetProperty(name)!));
            foreach (var property in bindable)
            {
                if (!_commandLineParameters.Contains(property.Name))
                {
                    property.SetValue(this, null);
                }
            }
        }

        /// <summary>Applies the rules table before anything is sent; a broken rule is this input's error and the batch goes on.</summary>
        private bool Check(ImageEditRequest request)
        {
            if (_connection!.ApiType == Http.ApiType.Azure && _connection.DeploymentFor(request.Model) is null)
            {
                WriteError(ErrorRecordFactory.Create(new LocalCheckException("MissingDeployment", ErrorCategory.InvalidArgument, request.SourcePath,
                    "An Azure OpenAI request needs a deployment, and neither -Deployment nor -Model names one.",
                    "Pass -Deployment <your deployment name>, or set $env:AZURE_OPENAI_DEPLOYMENT."), request.SourcePath));
                return false;
            }
            var result = _validator!.Validate(request);
            foreach (var note in result.Notes)
            {
                WriteVerbose(note);
            }
            foreach (var warning in result.Warnings)
            {
                WriteWarning(warning);
            }
            var error = result.Error ?? OutputFolderProblem(prepare: false);
            if (error != null)
            {
                WriteError(ErrorRecordFactory.Create(error, request.SourcePath));
                return false;
            }
            return true;
        }

        private void Submit(ImageEditRequest request)
        {
            string action = Streams ? "Stream an edit" : "Edit";
            if (!ShouldProcess(request.SourcePath, $"{action} with prompt \"{Abbreviate(request.Prompt)}\" ({Describe(request)}) at {_connection!.Origin}"))
            {
                return;
            }
            if (!_connection.HasCredentials)
            {
                ThrowTerminatingError(ErrorRecordFactory.Create(_connection.ApiType == Http.ApiType.Azure
                    ? new LocalCheckException("MissingApiKey", ErrorCategory.AuthenticationError, null,
                        "No Azure OpenAI key or token was given: pass -ApiKey or -AccessToken, or set $env:AZURE_OPENAI_API_KEY.",
                        "$env:AZURE_OPENAI_API_KEY = '<your key>' (or -AccessToken with a Microsoft Entra ID token)")
                    : new LocalCheckException("MissingApiKey", ErrorCategory.AuthenticationError, null,
                        "No API key was given: pass -ApiKey or set $env:OPENAI_API_KEY.",
                        "$env:OPENAI_API_KEY = '<your key>' (or -ApiKey (Read-Host -AsSecureString))"), null));
            }
            // The folder is created and proven writable before the request is paid for.
            if (OutputFolderProblem(prepare: true) is { } folderError)
            {
                WriteError(ErrorRecordFactory.Create(folderError, request.SourcePath));
                return;
            }
            var writer = OutputDirectory is null ? null : new ImageFileWriter(OutputFolderPath()!, Force.IsPresent);
            var connection = _connection;
            _scheduler!.Start(token => RunAsync(connection, request, writer, _scheduler, token), request.SourcePath);
        }

        private string? OutputFolderPath() => OutputDirectory is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(OutputDirectory);

        /// <summary>Why -OutputDirectory cannot take the results (checked once per folder and command), or null when it can.</summary>
        private LocalCheckException? OutputFolderProblem(bool prepare)
        {
            string? folder;
            try
            {
                folder = OutputFolderPath();
            }
            catch (Exception ex) when (ex is ItemNotFoundException || ex is System.Management.Automation.DriveNotFoundException || ex is ProviderNotFoundException || ex is NotSupportedException)
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
                checks[folder] = problem;
            }
            return problem;
        }

        private ImageEditRequest BuildRequest(string image, IReadOnlyList<string> references, string? mask)
        {
            var images = new List<string>(1 + references.Count) { image };
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
            return new ImageEditRequest(images, Prompt, mask, fields, Streams);
        }

        private static string Abbreviate(string text) => text.Length <= 60 ? text : text.Substring(0, 57) + "...";

        private static string Describe(ImageEditRequest request)
        {
            var parts = new List<string> { request.Model ?? "default model" };
            if (request.Images.Count > 1) parts.Add($"{request.Images.Count - 1} reference image(s)");
            if (request.Mask != null) parts.Add("mask " + System.IO.Path.GetFileName(request.Mask));
            return string.Join(", ", parts);
        }

        public void Dispose()
        {
            _scheduler?.Dispose();
            GC.SuppressFinalize(this);
        }
    }
}
