using System;

namespace ImageEdit.Models
{
    /// <summary>One server-sent event of a streamed edit, as Get-ImageEditStream writes it to the pipeline.</summary>
    public abstract class ImageEditStreamEvent
    {
        private readonly string? _b64Json;
        private readonly bool _b64JsonFromSavedFile;

        private protected ImageEditStreamEvent(string type, string? b64Json, DateTimeOffset createdAt, string? size, string? quality,
            string? background, string? outputFormat, string sourcePath, string? requestId, string? path, bool b64JsonFromSavedFile)
        {
            Type = type;
            _b64Json = b64Json;
            _b64JsonFromSavedFile = b64JsonFromSavedFile;
            CreatedAt = createdAt;
            Size = size;
            Quality = quality;
            Background = background;
            OutputFormat = outputFormat;
            SourcePath = sourcePath;
            RequestId = requestId;
            Path = path;
        }

        /// <summary>image_edit.partial_image or image_edit.completed.</summary>
        public string Type { get; }
        /// <summary>The image, base64-encoded; when it was saved, read back from the saved file when asked for.</summary>
        public string? B64Json => _b64JsonFromSavedFile ? SavedImage.ReadAsBase64(Path) : _b64Json;
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
        /// <summary>The saved file, when -OutputDirectory was given.</summary>
        public string? Path { get; }
    }

    /// <summary>image_edit.partial_image: an early, rougher rendering of the edit.</summary>
    public sealed class ImageEditPartialImageEvent : ImageEditStreamEvent
    {
        internal ImageEditPartialImageEvent(string? b64Json, DateTimeOffset createdAt, string? size, string? quality, string? background,
            string? outputFormat, int partialImageIndex, string sourcePath, string? requestId, string? path, bool b64JsonFromSavedFile)
            : base("image_edit.partial_image", b64Json, createdAt, size, quality, background, outputFormat, sourcePath, requestId, path, b64JsonFromSavedFile)
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
            string? outputFormat, ImageUsage? usage, string sourcePath, string? requestId, string? path, bool b64JsonFromSavedFile)
            : base("image_edit.completed", b64Json, createdAt, size, quality, background, outputFormat, sourcePath, requestId, path, b64JsonFromSavedFile)
        {
            Usage = usage;
        }

        public ImageUsage? Usage { get; }

        public override string ToString() => $"{System.IO.Path.GetFileName(SourcePath)}: completed";
    }
}
