using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading;

namespace ImageEdit.Output
{
    /// <summary>
    /// The run record of an output folder (imageedit-record.jsonl): one JSON line per completed request, saying what made
    /// each saved image. Lines are appended whole under an exclusive lock on the file (FileShare.None, which .NET makes an
    /// flock on Unix), so concurrent runs, in one process or several, never interleave; a line cut short by a crash is
    /// closed with a newline before the next is written, and skipped when read, so it never breaks a later run.
    /// </summary>
    internal sealed class RunRecord
    {
        public const string FileName = "imageedit-record.jsonl";
        private static readonly JsonSerializerOptions Json = new JsonSerializerOptions
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        private readonly object _appendLock = new object();
        private List<RecordEntry>? _entries;
        private long _readLength = -1;

        public RunRecord(string folder)
        {
            Folder = folder;
            Path = System.IO.Path.Combine(folder, FileName);
        }

        public string Folder { get; }
        public string Path { get; }

        /// <summary>
        /// Every usable line, oldest first: read again whenever the file has grown since (another run appending to the same
        /// folder), so that an input another run has finished meanwhile is found.
        /// </summary>
        public IReadOnlyList<RecordEntry> Entries
        {
            get
            {
                lock (_appendLock)
                {
                    long length = File.Exists(Path) ? new FileInfo(Path).Length : 0;
                    if (_entries is null || length != _readLength)
                    {
                        _entries = Read();
                        _readLength = length;
                    }
                    return _entries.ToList();
                }
            }
        }

        /// <summary>Why the record cannot take this run's lines (checked before anything is sent), or null.</summary>
        public string? Problem()
        {
            if (Directory.Exists(Path))
            {
                return $"its run record {Path} is a folder";
            }
            if (!File.Exists(Path))
            {
                return null;
            }
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    using (new FileStream(Path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
                    {
                    }
                    return null;
                }
                catch (IOException) when (attempt < 400)
                {
                    // Another run is appending (it holds the file for milliseconds): look again.
                    Thread.Sleep(10);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    return $"its run record {FileName} cannot be written ({ex.Message.TrimEnd('.')}), so -Resume could not find this run's results";
                }
            }
        }

        public void Append(RecordEntry entry)
        {
            byte[] line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(entry, Json) + "\n");
            lock (_appendLock)
            {
                for (int attempt = 0; ; attempt++)
                {
                    try
                    {
                        using var file = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
                        if (file.Length > 0)
                        {
                            file.Position = file.Length - 1;
                            if (file.ReadByte() != '\n')
                            {
                                // The last writer died mid-line: end that line, so this one stands on its own.
                                file.WriteByte((byte)'\n');
                            }
                        }
                        file.Position = file.Length;
                        file.Write(line, 0, line.Length);
                        file.Flush(flushToDisk: true);
                        _readLength = file.Length;
                        break;
                    }
                    catch (IOException) when (attempt < 400 && File.Exists(Path))
                    {
                        // Another writer holds the record: wait for it (at most a few seconds in all).
                        Thread.Sleep(10);
                    }
                }
                _entries?.Add(entry);
            }
        }

        /// <summary>Opens the record to read, waiting while another run appends to it (its lock is held for milliseconds).</summary>
        private FileStream OpenForReading()
        {
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    return new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                }
                catch (IOException) when (attempt < 400 && File.Exists(Path))
                {
                    Thread.Sleep(10);
                }
            }
        }

        private List<RecordEntry> Read()
        {
            var entries = new List<RecordEntry>();
            if (!File.Exists(Path))
            {
                return entries;
            }
            using var stream = OpenForReading();
            using var reader = new StreamReader(stream, Encoding.UTF8);
            string? line;
            while ((line = reader.ReadLine()) != null)
            {
                if (line.Length == 0)
                {
                    continue;
                }
                try
                {
                    if (JsonSerializer.Deserialize<RecordEntry>(line, Json) is { } entry && entry.IsUsable())
                    {
                        entries.Add(entry);
                    }
                }
                catch (JsonException)
                {
                    // A line cut short by a crash: skipped.
                }
            }
            return entries;
        }
    }

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
        [JsonPropertyName("name")] public string Name { get; set; } = "";
        [JsonPropertyName("kind")] public string Kind { get; set; } = "edited";
        [JsonPropertyName("index")] public int Index { get; set; }
        [JsonPropertyName("length")] public long Length { get; set; }
        [JsonPropertyName("sha256")] public string Sha256 { get; set; } = "";
    }

    internal sealed class RecordUsage
    {
        [JsonPropertyName("inputTokens")] public int InputTokens { get; set; }
        [JsonPropertyName("outputTokens")] public int OutputTokens { get; set; }
        [JsonPropertyName("totalTokens")] public int TotalTokens { get; set; }
    }
}
