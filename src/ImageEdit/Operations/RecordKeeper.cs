using System;
using System.Collections.Generic;
using System.Linq;
using ImageEdit.Http;
using ImageEdit.Models;
using ImageEdit.Output;
using ImageEdit.Requests;
using ImageEdit.Responses;

namespace ImageEdit.Operations
{
    /// <summary>
    /// Writes a completed request's line in the run record: its sources (files with the SHA-256 hashed while the body
    /// was sent), fields, prompt, model, saved files, request id and usage, so that every saved image can be traced to
    /// what made it, and -Resume can find it.
    /// </summary>
    internal static class RecordKeeper
    {
        /// <summary>A saved image and what it is (edited or partial, and its index).</summary>
        public sealed class Saved
        {
            public Saved(SavedImage image, string kind, int index)
            {
                Image = image;
                Kind = kind;
                Index = index;
            }

            public SavedImage Image { get; }
            public string Kind { get; }
            public int Index { get; }
        }

        public static RecordEntry? Keep(EditContext context, ImageEditRequest request, ApiConnection connection, IReadOnlyDictionary<string, FileDigest> digests,
            IReadOnlyList<Saved> saved, string? requestId, ParsedPayload answer, decimal? cost, int attempts)
        {
            // Only a request whose images are all in the folder is on record: one that could not be saved is sent again by -Resume.
            if (context.Record is null || saved.Count == 0 || saved.Any(s => s.Image.Path is null))
            {
                return null;
            }
            string endpoint = connection.EditsUri(request.Model).AbsoluteUri;
            // The files were hashed while the body was sent: read again only a file that was not (none, in practice).
            string Sha(string path) => digests.TryGetValue(path, out var digest) ? digest.Sha256Hex : RequestFingerprint.HashFile(path);
            long Length(string path) => digests.TryGetValue(path, out var digest) ? digest.Length : Images.FileTarget.Length(path);
            var entry = RecordEntry.Of(RecordedRequest.Of(request, endpoint, Sha, Length), context.Cmdlet, request.UsesJson ? "json" : "multipart",
                saved.Select(s => RecordFile.Of(s.Image, s.Kind, s.Index)).ToList(), requestId, answer, cost, attempts);
            context.Record.Append(entry);
            return entry;
        }

        /// <summary>
        /// The error for a line the record could not take: the images are saved, but -Resume would not find them. The
        /// folder counts as no longer taking this command's files, so nothing more is paid for that it could not record.
        /// </summary>
        public static OutputWriteException NotRecorded(EditContext context, Exception cause)
        {
            context.Writer?.NoteStopped(cause);
            string folder = context.Record?.Folder ?? "";
            return new OutputWriteException($"The images were saved, but the run record {RunRecord.FileName} in {folder} could not take their line " +
                $"({cause.Message.TrimEnd().TrimEnd('.')}), so -Resume would not find them and would send this input again.", cause)
            {
                Advice = $"Free space in '{folder}' (or make it and {RunRecord.FileName} writable again) before running again; the saved files are named in the result.",
            };
        }
    }
}
