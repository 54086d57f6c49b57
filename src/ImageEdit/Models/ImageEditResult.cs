using System;
using System.Collections.Generic;
using System.Linq;
using ImageEdit.Output;

namespace ImageEdit.Models
{
    /// <summary>
    /// The answer to one edit request: the API's ImagesResponse in PascalCase, plus where it came from.
    /// </summary>
    public sealed class ImageEditResult
    {
        internal ImageEditResult(DateTimeOffset created, string? background, IList<ImageEditData> data, string? outputFormat,
            string? quality, string? size, ImageUsage? usage, string sourcePath, string? model, string? requestId, bool resumed = false)
        {
            Resumed = resumed;
            Created = created;
            Background = background;
            Data = new ImageEditDataList(data);
            OutputFormat = outputFormat;
            Quality = quality;
            Size = size;
            Usage = usage;
            SourcePath = sourcePath;
            Model = model;
            RequestId = requestId;
        }

        /// <summary>When the API created the images (the response's unix time, as a date).</summary>
        public DateTimeOffset Created { get; }
        /// <summary>The background the model used: transparent or opaque.</summary>
        public string? Background { get; }
        /// <summary>The returned images, in the order the API gave them.</summary>
        public ImageEditDataList Data { get; }
        /// <summary>png, webp or jpeg.</summary>
        public string? OutputFormat { get; }
        /// <summary>low, medium or high.</summary>
        public string? Quality { get; }
        /// <summary>The size of the generated images, WIDTHxHEIGHT.</summary>
        public string? Size { get; }
        /// <summary>Token usage, reported for the GPT image models.</summary>
        public ImageUsage? Usage { get; }
        /// <summary>The full path of the input image this request edited.</summary>
        public string SourcePath { get; }
        /// <summary>The model named in the request (null when the API's default was used).</summary>
        public string? Model { get; }
        /// <summary>The x-request-id the API answered with: quote it to OpenAI support.</summary>
        public string? RequestId { get; }
        /// <summary>True when -Resume found this result in the run record and did not send the request again.</summary>
        public bool Resumed { get; }
        /// <summary>
        /// What the request cost in USD: its usage times the model's prices (Get-ImageEditModel shows them; a batch result at
        /// the Batch API's half price). Null, not zero, when the model has no known price or the answer reported no usage.
        /// A resumed result carries the cost its run paid (null for lines recorded before costs were kept).
        /// </summary>
        public decimal? Cost { get; internal set; }
        /// <summary>How many tries of the request were sent (1 unless it was retried); 0 when not known (an older record line).</summary>
        public int Attempts { get; internal set; } = 1;

        public override string ToString() => $"{System.IO.Path.GetFileName(SourcePath)}: {Data.Count} image(s){(RequestId is null ? "" : " [" + RequestId + "]")}";
    }

    /// <summary>The images of one answer; as text (Export-Csv, Format-Table) the saved files or URLs, separated by "; ".</summary>
    public sealed class ImageEditDataList : System.Collections.ObjectModel.ReadOnlyCollection<ImageEditData>
    {
        internal ImageEditDataList(IList<ImageEditData> items) : base(items)
        {
        }

        public override string ToString() => string.Join("; ", this.Select(d => d.ToString()));
    }

    /// <summary>One returned image.</summary>
    public sealed class ImageEditData
    {
        private readonly ReturnedImage _image;

        internal ImageEditData(int index, string? b64Json, string? url, string? revisedPrompt, SavedImage? saved = null)
        {
            Index = index;
            _image = new ReturnedImage(b64Json, saved, returnedAsBase64: url is null);
            Url = url;
            RevisedPrompt = revisedPrompt;
        }

        /// <summary>The position of this image in the response, from 0.</summary>
        public int Index { get; }

        /// <summary>
        /// The image as base64 (GPT image models, or dall-e-2 with -ResponseFormat b64_json) when it was not saved, or could
        /// not be. A saved image was decoded straight into its file and is not held here: read the file (Path, GetFile()), or
        /// call GetB64Json(), which reads it back checked against the bytes the API returned.
        /// </summary>
        public string? B64Json => _image.B64Json;

        /// <summary>
        /// The image's base64, checked against what the API returned; unlike <see cref="B64Json"/> (which PowerShell reads as
        /// empty when it cannot be given) this throws, naming the file, when the saved file was moved, deleted or changed.
        /// </summary>
        public string? GetB64Json() => _image.ReadB64Json();

        /// <summary>The saved file as a FileInfo, or null when the image was not saved.</summary>
        public System.IO.FileInfo? GetFile() => Path is null ? null : new System.IO.FileInfo(Path);

        /// <summary>Where to download the image (dall-e-2 with -ResponseFormat url; valid for 60 minutes).</summary>
        public string? Url { get; }
        /// <summary>The prompt the model actually used, when it revised it.</summary>
        public string? RevisedPrompt { get; }
        /// <summary>The saved file, when -OutputDirectory was given and the image could be saved.</summary>
        public string? Path => _image.Path;
        /// <summary>The SHA-256 (lowercase hex) of the image's bytes, when it was saved (or meant to be).</summary>
        public string? Sha256 => _image.Sha256;

        public override string ToString() => Url != null && _image.IsEmpty ? Url : _image.Describe();
    }

    /// <summary>Token usage of an image request.</summary>
    public sealed class ImageUsage
    {
        internal ImageUsage(int inputTokens, int outputTokens, int totalTokens, ImageTokenDetails? inputTokensDetails, ImageTokenDetails? outputTokensDetails)
        {
            InputTokens = inputTokens;
            OutputTokens = outputTokens;
            TotalTokens = totalTokens;
            InputTokensDetails = inputTokensDetails;
            OutputTokensDetails = outputTokensDetails;
        }

        public int InputTokens { get; }
        public int OutputTokens { get; }
        public int TotalTokens { get; }
        public ImageTokenDetails? InputTokensDetails { get; }
        public ImageTokenDetails? OutputTokensDetails { get; }

        public override string ToString() => $"{TotalTokens} tokens ({InputTokens} in, {OutputTokens} out)";
    }

    /// <summary>How many of the tokens were text and how many image.</summary>
    public sealed class ImageTokenDetails
    {
        internal ImageTokenDetails(int textTokens, int imageTokens)
        {
            TextTokens = textTokens;
            ImageTokens = imageTokens;
        }

        public int TextTokens { get; }
        public int ImageTokens { get; }

        public override string ToString() => $"{TextTokens} text, {ImageTokens} image";
    }
}
