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

        [Parameter(Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [PipedItemPath]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <remarks>
        /// Not mandatory in its set: a mandatory pipeline parameter makes PowerShell try its set first for every piped row,
        /// so a row's null or empty LiteralPath cell would bind (and fail the row) before its Path or ImageUrl could.
        /// A row's LiteralPath column is read by <see cref="PipedItemPathAttribute"/> instead.
        /// </remarks>
        [Parameter(ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        public string[]? ImageUrl { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        public string[]? FileId { get; set; }

        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string Prompt { get; set; } = string.Empty;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [EmptyStringAsNull]
        [PipedItemPath]
        public string[]? ReferencePath { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        public string[]? ReferenceUrl { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        public string[]? ReferenceFileId { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        [PipedItemPath]
        public string? Mask { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        public string? MaskUrl { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        public string? MaskFileId { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        [PipedItemPath]
        public string? Markup { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        public string? MarkupUrl { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        public string? MarkupFileId { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("model", FieldKind.Text)]
        [ArgumentCompleter(typeof(ModelCompleter))]
        public string? Model { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("N")]
        [RequestField("n", FieldKind.Integer, Minimum = 1, Maximum = 10)]
        public int? Count { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("size", FieldKind.Text, Values = "1024x1024|1536x1024|1024x1536|auto|256x256|512x512", JsonValues = "auto|1024x1024|1536x1024|1024x1536")]
        [ArgumentCompleter(typeof(SizeCompleter))]
        public string? Size { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("quality", FieldKind.Choice, Values = "low|medium|high|auto|xhigh|max|standard")]
        [ArgumentCompleter(typeof(FieldValueCompleter))]
        public string? Quality { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("complexity", FieldKind.Choice, Values = "low|medium|high", GptImageOnly = true)]
        [ArgumentCompleter(typeof(FieldValueCompleter))]
        public string? Complexity { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("background", FieldKind.Choice, Values = "transparent|opaque|auto", GptImageOnly = true)]
        [ArgumentCompleter(typeof(FieldValueCompleter))]
        public string? Background { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("input_fidelity", FieldKind.Choice, Values = "high|low", GptImageOnly = true)]
        [ArgumentCompleter(typeof(FieldValueCompleter))]
        public string? InputFidelity { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("output_format", FieldKind.Choice, Values = "png|jpeg|webp|gif", GptImageOnly = true)]
        [ArgumentCompleter(typeof(FieldValueCompleter))]
        public string? OutputFormat { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("frame_count", FieldKind.Integer, Minimum = 2, Maximum = 16, GptImageOnly = true)]
        public int? FrameCount { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("frame_duration_ms", FieldKind.Integer, Minimum = 20, GptImageOnly = true)]
        public int? FrameDurationMs { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("output_compression", FieldKind.Integer, Minimum = 0, Maximum = 100, GptImageOnly = true)]
        public int? OutputCompression { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("moderation", FieldKind.Choice, Values = "low|auto", Bodies = BodyForms.Json, GptImageOnly = true)]
        [ArgumentCompleter(typeof(FieldValueCompleter))]
        public string? Moderation { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("response_format", FieldKind.Choice, Values = "url|b64_json", Bodies = BodyForms.Multipart)]
        [ArgumentCompleter(typeof(FieldValueCompleter))]
        public string? ResponseFormat { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [RequestField("user", FieldKind.Text)]
        public string? User { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [EmptyStringAsNull]
        public string? OutputDirectory { get; set; }

        [Parameter]
        public SwitchParameter Resume { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public string? Deployment { get; set; }
    }
}
