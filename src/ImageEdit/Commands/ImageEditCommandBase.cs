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

        /// <summary>
        /// The request fields that may bind by property name. A piped FileInfo has Size and User properties of its own
        /// (on Unix, its length and owner), which must not become -Size and -User.
        /// </summary>
        private static readonly Dictionary<string, Action<ImageEditCommandBase>> PipelineFields = new Dictionary<string, Action<ImageEditCommandBase>>(StringComparer.OrdinalIgnoreCase)
        {
            ["ReferencePath"] = c => c.ReferencePath = null,
            ["Mask"] = c => c.Mask = null,
            ["Model"] = c => c.Model = null,
            ["Count"] = c => c.Count = null,
            ["Size"] = c => c.Size = null,
            ["Quality"] = c => c.Quality = null,
            ["Background"] = c => c.Background = null,
            ["InputFidelity"] = c => c.InputFidelity = null,
            ["OutputFormat"] = c => c.OutputFormat = null,
            ["OutputCompression"] = c => c.OutputCompression = null,
            ["ResponseFormat"] = c => c.ResponseFormat = null,
            ["User"] = c => c.User = null,
            ["OutputDirectory"] = c => c.OutputDirectory = null,
        };

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

        /// <summary>Extra images sent after the edited one in every request, for the model to draw on. Wildcards are expanded.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [EmptyStringAsNull]
        public string[]? ReferencePath { get; set; }

        /// <summary>A PNG whose fully transparent pixels mark where the first image is edited; same width and height as that image.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        public string? Mask { get; set; }

        /// <summary>The model: gpt-image-1.5 (the API's default), gpt-image-2, gpt-image-1, gpt-image-1-mini, chatgpt-image-latest or dall-e-2.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        [ArgumentCompleter(typeof(ModelCompleter))]
        public string? Model { get; set; }

        /// <summary>How many images to generate, 1 to 10 (the field n).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("N")]
        [EmptyStringAsNull]
        public int? Count { get; set; }

        /// <summary>The size of the result: 1024x1024, 1536x1024, 1024x1536 or auto; 256x256 and 512x512 for dall-e-2; WIDTHxHEIGHT for gpt-image-2.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        [ArgumentCompleter(typeof(SizeCompleter))]
        public string? Size { get; set; }

        /// <summary>Rendering quality: low, medium, high or auto (standard for dall-e-2).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        [ValidateSet("standard", "low", "medium", "high", "auto")]
        public string? Quality { get; set; }

        /// <summary>The background of the result: transparent (needs png or webp output), opaque or auto.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        [ValidateSet("transparent", "opaque", "auto")]
        public string? Background { get; set; }

        /// <summary>How closely to keep the style and features (faces especially) of the input: high or low.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        [ValidateSet("high", "low")]
        public string? InputFidelity { get; set; }

        /// <summary>The encoding of the result: png, jpeg or webp (GPT image models).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        [ValidateSet("png", "jpeg", "webp")]
        public string? OutputFormat { get; set; }

        /// <summary>Compression of jpeg or webp results, 0 to 100 percent.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        public int? OutputCompression { get; set; }

        /// <summary>url or b64_json; dall-e-2 only (GPT image models always answer base64).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        [ValidateSet("url", "b64_json")]
        public string? ResponseFormat { get; set; }

        /// <summary>An identifier of your end user, which helps OpenAI detect abuse.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
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

        /// <summary>Fields only the streaming cmdlet has; the base leaves them unset.</summary>
        internal virtual int? PartialImageCount => null;

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
            IReadOnlyList<string> references;
            string? mask;
            try
            {
                references = resolver.ResolveMany(ReferencePath, "ReferencePath");
                mask = Mask is null ? null : resolver.ResolveOne(Mask, "Mask");
            }
            catch (LocalCheckException ex)
            {
                WriteError(ErrorRecordFactory.Create(ex, ex.Target));
                return;
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
            foreach (var field in PipelineFields)
            {
                if (!_commandLineParameters.Contains(field.Key))
                {
                    field.Value(this);
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
            if (result.Error != null)
            {
                WriteError(ErrorRecordFactory.Create(result.Error, request.SourcePath));
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
            var writer = OutputDirectory is null
                ? null
                : new ImageFileWriter(SessionState.Path.GetUnresolvedProviderPathFromPSPath(OutputDirectory), Force.IsPresent);
            var connection = _connection;
            _scheduler!.Start(token => RunAsync(connection, request, writer, _scheduler, token), request.SourcePath);
        }

        private ImageEditRequest BuildRequest(string image, IReadOnlyList<string> references, string? mask)
        {
            var images = new List<string>(1 + references.Count) { image };
            images.AddRange(references);
            return new ImageEditRequest(images, Prompt, mask, Model, Count, Size, Lower(Quality), Lower(Background), Lower(InputFidelity),
                Lower(OutputFormat), OutputCompression, Lower(ResponseFormat), User, Streams, PartialImageCount);
        }

        private static string? Lower(string? value) => value?.ToLowerInvariant();

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
