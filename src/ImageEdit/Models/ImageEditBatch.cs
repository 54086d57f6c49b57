using System;

namespace ImageEdit.Models
{
    /// <summary>
    /// A Batch API job of image edits, as Start-, Get-, Wait- and Stop-ImageEditBatch write it. Its Id and OutputDirectory
    /// bind by property name to the other batch cmdlets, so they compose in a pipeline.
    /// </summary>
    public sealed class ImageEditBatch
    {
        internal ImageEditBatch(string id, string status, ImageEditBatchCounts requestCounts, DateTimeOffset createdAt, string? outputDirectory,
            string? inputFileId, string? outputFileId, string? errorFileId, DateTimeOffset? expiresAt, DateTimeOffset? finishedAt, string[] errors)
        {
            Id = id;
            Status = status;
            RequestCounts = requestCounts;
            CreatedAt = createdAt;
            OutputDirectory = outputDirectory;
            InputFileId = inputFileId;
            OutputFileId = outputFileId;
            ErrorFileId = errorFileId;
            ExpiresAt = expiresAt;
            FinishedAt = finishedAt;
            Errors = errors;
        }

        /// <summary>The batch's ID (batch_...).</summary>
        public string Id { get; }
        /// <summary>validating, failed, in_progress, finalizing, completed, expired, cancelling or cancelled.</summary>
        public string Status { get; }
        public ImageEditBatchCounts RequestCounts { get; }
        public DateTimeOffset CreatedAt { get; }
        /// <summary>The folder whose run record says which request is which input and where its results go.</summary>
        public string? OutputDirectory { get; }
        public string? InputFileId { get; }
        public string? OutputFileId { get; }
        public string? ErrorFileId { get; }
        /// <summary>When OpenAI gives up on the requests not done (24 hours after creation).</summary>
        public DateTimeOffset? ExpiresAt { get; }
        /// <summary>When it completed, failed, expired or was cancelled.</summary>
        public DateTimeOffset? FinishedAt { get; }
        /// <summary>Why a batch failed as a whole (its input file was refused), one message per problem.</summary>
        public string[] Errors { get; }

        /// <summary>True once the batch will change no more: completed, failed, expired or cancelled.</summary>
        public bool IsFinished => IsFinishedStatus(Status);

        /// <summary>Whether a batch in this status will change no more: completed, failed, expired or cancelled.</summary>
        internal static bool IsFinishedStatus(string status) => status is "completed" or "failed" or "expired" or "cancelled";

        public override string ToString() => $"{Id} ({Status}, {RequestCounts})";
    }

    /// <summary>How many of a batch's requests there are, and how many are done.</summary>
    public sealed class ImageEditBatchCounts
    {
        internal ImageEditBatchCounts(int total, int completed, int failed)
        {
            Total = total;
            Completed = completed;
            Failed = failed;
        }

        public int Total { get; }
        public int Completed { get; }
        public int Failed { get; }

        public override string ToString() => $"{Completed + Failed} of {Total} done, {Failed} failed";
    }
}
