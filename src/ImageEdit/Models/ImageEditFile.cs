using System;

namespace ImageEdit.Models
{
    /// <summary>
    /// A file uploaded to the Files API by Add-ImageEditFile. Its FileId binds to -FileId of Edit-Image and
    /// Get-ImageEditStream (and of Remove-ImageEditFile) by property name, so uploads pipe straight into edits.
    /// </summary>
    public sealed class ImageEditFile
    {
        internal ImageEditFile(string fileId, string filename, long bytes, string purpose, DateTimeOffset createdAt, DateTimeOffset? expiresAt, string? status, string? sourcePath)
        {
            FileId = fileId;
            Filename = filename;
            Bytes = bytes;
            Purpose = purpose;
            CreatedAt = createdAt;
            ExpiresAt = expiresAt;
            Status = status;
            SourcePath = sourcePath;
        }

        /// <summary>The file's ID (file-...), as -FileId takes it.</summary>
        public string FileId { get; }
        /// <summary>The name it was uploaded under.</summary>
        public string Filename { get; }
        /// <summary>Its size in bytes.</summary>
        public long Bytes { get; }
        /// <summary>vision or user_data.</summary>
        public string Purpose { get; }
        public DateTimeOffset CreatedAt { get; }
        /// <summary>When the API deletes it, if it was told to.</summary>
        public DateTimeOffset? ExpiresAt { get; }
        public string? Status { get; }
        /// <summary>The local file that was uploaded.</summary>
        public string? SourcePath { get; }

        public override string ToString() => $"{FileId} ({Filename})";
    }

    /// <summary>An image model the key can use, from GET /models, with what the rules table knows of its retirement.</summary>
    public sealed class ImageEditModel
    {
        internal ImageEditModel(string id, DateTimeOffset created, string? ownedBy, DateTime? shutdownDate, string? replacement, string status)
        {
            Id = id;
            Created = created;
            OwnedBy = ownedBy;
            ShutdownDate = shutdownDate;
            Replacement = replacement;
            Status = status;
        }

        /// <summary>The model's name, as -Model takes it.</summary>
        public string Id { get; }
        public DateTimeOffset Created { get; }
        public string? OwnedBy { get; }
        /// <summary>The day it shuts down, as the API reports it (null when none is announced).</summary>
        public DateTime? ShutdownDate { get; }
        /// <summary>The model OpenAI recommends instead, when the rules table knows one.</summary>
        public string? Replacement { get; }
        /// <summary>Available, Retiring (within 90 days of its shutdown) or Retired.</summary>
        public string Status { get; }
        /// <summary>What the model costs per 1M tokens (text, cached text, image, cached image input; image output), from the price table; null when it has none.</summary>
        public Pricing.ModelPrice? Price { get; internal set; }
        /// <summary>The date of the price table Price comes from (the built-in one, or $env:IMAGEEDIT_PRICE_FILE's); null without a price.</summary>
        public DateTime? PriceDate { get; internal set; }

        public override string ToString() => Id;
    }
}
