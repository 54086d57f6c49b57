using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Serialization;
using ImageEdit.Requests;

namespace ImageEdit.Output
{
    /// <summary>One line of the run record: one completed request and what it saved.</summary>
    internal sealed class RecordEntry
    {
        [JsonPropertyName("v")] public int Version { get; set; } = 1;
        [JsonPropertyName("time")] public DateTimeOffset Time { get; set; }
        /// <summary>The request's full fingerprint (source files by their SHA-256).</summary>
        [JsonPropertyName("key")] public string Key { get; set; } = "";
        /// <summary>The fingerprint with source files by path, length and write time, for finding a match without reading them.</summary>
        [JsonPropertyName("quickKey")] public string QuickKey { get; set; } = "";
        [JsonPropertyName("cmdlet")] public string Cmdlet { get; set; } = "";
        [JsonPropertyName("endpoint")] public string Endpoint { get; set; } = "";
        [JsonPropertyName("bodyForm")] public string BodyForm { get; set; } = "";
        [JsonPropertyName("model")] public string? Model { get; set; }
        [JsonPropertyName("prompt")] public string Prompt { get; set; } = "";
        [JsonPropertyName("fields")] public Dictionary<string, object>? Fields { get; set; }
        [JsonPropertyName("sources")] public List<RecordSource> Sources { get; set; } = new List<RecordSource>();
        [JsonPropertyName("files")] public List<RecordFile> Files { get; set; } = new List<RecordFile>();
        [JsonPropertyName("requestId")] public string? RequestId { get; set; }
        [JsonPropertyName("created")] public long Created { get; set; }
        [JsonPropertyName("usage")] public RecordUsage? Usage { get; set; }
        [JsonPropertyName("background")] public string? Background { get; set; }
        [JsonPropertyName("outputFormat")] public string? OutputFormat { get; set; }
        [JsonPropertyName("quality")] public string? Quality { get; set; }
        [JsonPropertyName("size")] public string? Size { get; set; }
        /// <summary>For a result collected from a Batch API job: the batch and the line's custom_id.</summary>
        [JsonPropertyName("batchId")] public string? BatchId { get; set; }
        [JsonPropertyName("customId")] public string? CustomId { get; set; }
        /// <summary>What the request cost in USD (usage times the price table, half for a batch); left out when not known.</summary>
        [JsonPropertyName("cost")] public decimal? Cost { get; set; }
        /// <summary>How many tries of the request were sent (1 for a batch line).</summary>
        [JsonPropertyName("attempts")] public int? Attempts { get; set; }

        /// <summary>
        /// The line of a completed request: what it asked (<paramref name="asked"/>), the command and body form that sent
        /// it, the files it saved, and what the answer said of them.
        /// </summary>
        public static RecordEntry Of(RecordedRequest asked, string cmdlet, string bodyForm, List<RecordFile> files, string? requestId, Responses.ParsedPayload answer,
            decimal? cost, int attempts)
        {
            var entry = new RecordEntry
            {
                Time = DateTimeOffset.UtcNow,
                Key = asked.Key,
                QuickKey = asked.QuickKey,
                Cmdlet = cmdlet,
                Endpoint = asked.Endpoint,
                BodyForm = bodyForm,
                Model = asked.Model,
                Prompt = asked.Prompt,
                Fields = asked.Fields,
                Sources = asked.Sources,
                Files = files,
                RequestId = requestId,
                Cost = cost,
                Attempts = attempts,
            };
            entry.TakeAnswer(answer);
            return entry;
        }

        /// <summary>What the answer said of the images: created, usage, background, format, quality, size.</summary>
        private void TakeAnswer(Responses.ParsedPayload answer)
        {
            Created = answer.Created;
            Usage = RecordUsage.From(answer.Usage);
            Background = answer.Background;
            OutputFormat = answer.OutputFormat;
            Quality = answer.Quality;
            Size = answer.Size;
        }

        /// <summary>
        /// Whether a line read back can be trusted to resume from: a key, at least one edited image, every file a plain
        /// name inside the folder (a hand-edited "../x.png" or absolute path is not), and a time a date can hold.
        /// </summary>
        public bool IsUsable() =>
            Key.Length > 0 && Sources != null && Files != null && Files.Count > 0 && Files.Any(f => f != null && f.Kind == "edited")
            && Files.All(f => f != null && f.Name.Length > 0 && f.Name == System.IO.Path.GetFileName(f.Name) && f.Name != "." && f.Name != ".."
                && f.Name.IndexOfAny(System.IO.Path.GetInvalidFileNameChars()) < 0 && f.Sha256 != null && f.Sha256.Length == 64)
            && Created >= 0 && Created <= 253402300799;
    }

    /// <summary>An image (or the mask) the request sent: a file with its length and SHA-256, a URL, or a file ID.</summary>
    internal sealed class RecordSource
    {
        /// <summary>
        /// How the record describes an image a request sends: a file by its path, <paramref name="length"/> and
        /// <paramref name="sha256"/> (each asked of the path), a file ID, a data URL by its length and SHA-256, another URL as given.
        /// </summary>
        public static RecordSource Of(ImageSource image, string role, Func<string, long> length, Func<string, string> sha256) => image.Kind switch
        {
            ImageSourceKind.File => new RecordSource { Role = role, Path = image.Value, Length = length(image.Value), Sha256 = sha256(image.Value) },
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

        [JsonPropertyName("role")] public string Role { get; set; } = "";
        [JsonPropertyName("path")] public string? Path { get; set; }
        [JsonPropertyName("length")] public long? Length { get; set; }
        [JsonPropertyName("sha256")] public string? Sha256 { get; set; }
        [JsonPropertyName("url")] public string? Url { get; set; }
        [JsonPropertyName("fileId")] public string? FileId { get; set; }
    }

    /// <summary>A saved image, by its name in the folder (so the folder can move), with its length and SHA-256.</summary>
    internal sealed class RecordFile
    {
        /// <summary>How the record names a saved image (it must have been saved: its path is not null).</summary>
        public static RecordFile Of(SavedImage image, string kind, int index) =>
            new RecordFile { Name = System.IO.Path.GetFileName(image.Path!), Kind = kind, Index = index, Length = image.Length, Sha256 = image.Sha256Hex };

        /// <summary>The saved image this line names, in <paramref name="folder"/>, with the SHA-256 and length it was saved with.</summary>
        public SavedImage ToSaved(string folder)
        {
            var sha = new byte[Sha256.Length / 2];
            for (int i = 0; i < sha.Length; i++)
            {
                sha[i] = Convert.ToByte(Sha256.Substring(i * 2, 2), 16);
            }
            return SavedImage.Saved(System.IO.Path.Combine(folder, Name), sha, Length);
        }

        /// <summary>Whether the file is still there with exactly the bytes it was saved with.</summary>
        public bool IsUnchanged(string folder)
        {
            string path = System.IO.Path.Combine(folder, Name);
            try
            {
                return File.Exists(path) && new FileInfo(path).Length == Length && RequestFingerprint.HashFile(path) == Sha256;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return false;
            }
        }

        [JsonPropertyName("name")] public string Name { get; set; } = "";
        [JsonPropertyName("kind")] public string Kind { get; set; } = "edited";
        [JsonPropertyName("index")] public int Index { get; set; }
        [JsonPropertyName("length")] public long Length { get; set; }
        [JsonPropertyName("sha256")] public string Sha256 { get; set; } = "";
    }

    internal sealed class RecordUsage
    {
        public static RecordUsage? From(Responses.UsageDto? usage) =>
            usage is null ? null : new RecordUsage { InputTokens = usage.InputTokens, OutputTokens = usage.OutputTokens, TotalTokens = usage.TotalTokens };

        public Responses.UsageDto ToDto() => new Responses.UsageDto { InputTokens = InputTokens, OutputTokens = OutputTokens, TotalTokens = TotalTokens };

        [JsonPropertyName("inputTokens")] public int InputTokens { get; set; }
        [JsonPropertyName("outputTokens")] public int OutputTokens { get; set; }
        [JsonPropertyName("totalTokens")] public int TotalTokens { get; set; }
    }
}
