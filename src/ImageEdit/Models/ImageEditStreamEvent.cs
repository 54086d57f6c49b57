using System;

using ImageEdit.Output;

namespace ImageEdit.Models
{
    /// <summary>One server-sent event of a streamed edit, as Get-ImageEditStream writes it to the pipeline.</summary>
    public abstract class ImageEditStreamEvent
    {
        private readonly ReturnedImage _image;

        private protected ImageEditStreamEvent(string type, string? b64Json, DateTimeOffset createdAt, string? size, string? quality,
            string? background, string? outputFormat, string sourcePath, string? requestId, SavedImage? saved)
        {
            Type = type;
            _image = new ReturnedImage(b64Json, saved);
            CreatedAt = createdAt;
            Size = size;
            Quality = quality;
            Background = background;
            OutputFormat = outputFormat;
            SourcePath = sourcePath;
            RequestId = requestId;
        }

        /// <summary>image_edit.partial_image or image_edit.completed.</summary>
        public string Type { get; }
        /// <summary>The image, base64-encoded; when it was saved, read back from the saved file when asked for and checked against what the API sent.</summary>
        public string? B64Json => _image.B64Json;

        /// <summary>
        /// The image's base64, checked against what the API returned; unlike <see cref="B64Json"/> (which PowerShell reads as
        /// empty when it cannot be given) this throws, naming the file, when the saved file was moved, deleted or changed.
        /// </summary>
        public string? GetB64Json() => _image.ReadB64Json();

        /// <summary>The saved file as a FileInfo, or null when the image was not saved.</summary>
        public System.IO.FileInfo? GetFile() => Path is null ? null : new System.IO.FileInfo(Path);
        /// <summary>When the API created the event.</summary>
        public DateTimeOffset CreatedAt { get; }
        public string? Size { get; }
        public string? Quality { get; }
        public string? Background { get; }
        public string? OutputFormat { get; }
        /// <summary>The full path of the input image this stream edits.</summary>
        public string SourcePath { get; }
        /// <summary>The x-request-id of the streamed answer.</summary>
        public string? RequestId { get; }
        /// <summary>True when -Resume found this result in the run record and did not send the request again.</summary>
        public bool Resumed { get; internal set; }
        /// <summary>The saved file, when -OutputDirectory was given and the image could be saved.</summary>
        public string? Path => _image.Path;
        /// <summary>The SHA-256 (lowercase hex) of the image's bytes, when it was saved (or meant to be).</summary>
        public string? Sha256 => _image.Sha256;
    }

    /// <summary>image_edit.partial_image: an early, rougher rendering of the edit.</summary>
    public sealed class ImageEditPartialImageEvent : ImageEditStreamEvent
    {
        internal ImageEditPartialImageEvent(string? b64Json, DateTimeOffset createdAt, string? size, string? quality, string? background,
            string? outputFormat, int partialImageIndex, string sourcePath, string? requestId, SavedImage? saved)
            : base("image_edit.partial_image", b64Json, createdAt, size, quality, background, outputFormat, sourcePath, requestId, saved)
        {
            PartialImageIndex = partialImageIndex;
        }

        /// <summary>Which partial image this is, from 0.</summary>
        public int PartialImageIndex { get; }

        public override string ToString() => $"{System.IO.Path.GetFileName(SourcePath)}: partial image {PartialImageIndex}";
    }

    /// <summary>image_edit.completed: the final image and the token usage.</summary>
    public sealed class ImageEditCompletedEvent : ImageEditStreamEvent
    {
        internal ImageEditCompletedEvent(string? b64Json, DateTimeOffset createdAt, string? size, string? quality, string? background,
            string? outputFormat, ImageUsage? usage, string sourcePath, string? requestId, SavedImage? saved)
            : base("image_edit.completed", b64Json, createdAt, size, quality, background, outputFormat, sourcePath, requestId, saved)
        {
            Usage = usage;
        }

        public ImageUsage? Usage { get; }
        /// <summary>What the request cost in USD (see ImageEditResult.Cost); null when the model has no known price.</summary>
        public decimal? Cost { get; internal set; }
        /// <summary>How many tries of the request were sent.</summary>
        public int Attempts { get; internal set; } = 1;

        public override string ToString() => $"{System.IO.Path.GetFileName(SourcePath)}: completed";
    }
}
