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
            string Sha(string path) => digests.TryGetValue(path, out var digest) ? digest.Sha256Hex : RequestFingerprint.HashFile(path);
            var entry = new RecordEntry
            {
                Time = DateTimeOffset.UtcNow,
                Key = RequestFingerprint.Full(request, endpoint, Sha),
                QuickKey = RequestFingerprint.Quick(request, endpoint),
                Cmdlet = context.Cmdlet,
                Endpoint = endpoint,
                BodyForm = request.UsesJson ? "json" : "multipart",
                Model = request.Model,
                Prompt = request.Prompt,
                Fields = request.Fields.Any() ? request.Fields.ToDictionary(f => f.Key.WireName, f => f.Value) : null,
                Sources = request.ImagesWithRoles.Select(image => Source(image.Source, image.Role, digests, Sha)).ToList(),
                Files = saved.Select(s => new RecordFile
                {
                    Name = System.IO.Path.GetFileName(s.Image.Path!),
                    Kind = s.Kind,
                    Index = s.Index,
                    Length = s.Image.Length,
                    Sha256 = s.Image.Sha256Hex,
                }).ToList(),
                RequestId = requestId,
                Cost = cost,
                Attempts = attempts,
            };
            entry.TakeAnswer(answer);
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

        private static RecordSource Source(ImageSource image, string role, IReadOnlyDictionary<string, FileDigest> digests, Func<string, string> sha) => image.Kind switch
        {
            ImageSourceKind.File => new RecordSource
            {
                Role = role,
                Path = image.Value,
                Length = digests.TryGetValue(image.Value, out var digest) ? digest.Length : Images.FileTarget.Length(image.Value),
                Sha256 = sha(image.Value),
            },
            ImageSourceKind.FileId => new RecordSource { Role = role, FileId = image.Value },
            _ when image.IsDataUrl => new RecordSource
            {
                Role = role,
                Url = image.Identity,
                Length = image.Value.Length,
                Sha256 = RequestFingerprint.Hex(System.Security.Cryptography.SHA256.Create().ComputeHash(System.Text.Encoding.UTF8.GetBytes(image.Value))),
            },
            _ => new RecordSource { Role = role, Url = image.Identity },
        };
    }
}
