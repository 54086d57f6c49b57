using System;
using System.Management.Automation;
using ImageEdit.Requests;

// The request fields are the [RequestField] parameters of these cmdlets, in this order (see RequestFields).
[assembly: ImageEdit.Requests.RequestFieldsDeclaredIn(typeof(ImageEdit.Commands.ImageEditParameters), typeof(ImageEdit.Commands.GetImageEditStreamCommand))]

namespace ImageEdit.Commands
{
    /// <summary>
    /// The parameters Edit-Image, Get-ImageEditStream and Start-ImageEditBatch share: the images, the prompt, every
    /// request field (one <see cref="RequestFieldAttribute"/> each, in wire order) and where results go. Only
    /// declarations: what is done with them is <see cref="ImageEditCommandBase"/>'s.
    /// </summary>
    public abstract class ImageEditParameters : ThrottledCommandBase
    {
        internal const string PathSet = "Path";
        internal const string LiteralPathSet = "LiteralPath";

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
    }
}
