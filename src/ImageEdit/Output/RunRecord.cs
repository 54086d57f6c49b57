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
                catch (IOException ex) when (attempt < 400 && IsHeldByAnother(ex))
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

        /// <summary>
        /// Writes an example line to a string (no file): the serializer's first line costs it reading the line's types,
        /// which the warm-up pays instead of the first answer of a command with -OutputDirectory.
        /// </summary>
        internal static int SerializeExample() => JsonSerializer.Serialize(new RecordEntry
        {
            Fields = new Dictionary<string, object> { ["size"] = "1024x1024", ["n"] = 1 },
            Sources = { new RecordSource { Role = "image", Path = "example.png", Length = 1, Sha256 = "" } },
            Files = { new RecordFile { Name = "example-edited.png" } },
            Usage = new RecordUsage(),
            Cost = 0.01m,
            Attempts = 1,
        }, Json).Length;

        public void Append(RecordEntry entry)
        {
            AppendLines(new[] { Encoding.UTF8.GetBytes(JsonSerializer.Serialize(entry, Json) + "\n") });
            lock (_appendLock)
            {
                _entries?.Add(entry);
            }
        }

        /// <summary>
        /// Where each line of a type starts in the file, by a key read from it (the custom_id of a batch request), so that a
        /// large batch's lines are read one at a time when needed instead of all being held.
        /// </summary>
        public Dictionary<string, long> IndexTyped<T>(string type, Func<T, string?> key) where T : class
        {
            var index = new Dictionary<string, long>(StringComparer.Ordinal);
            if (!File.Exists(Path))
            {
                return index;
            }
            byte[] marker = Encoding.UTF8.GetBytes("\"type\":\"" + type + "\"");
            using var stream = OpenForReading();
            long offset = 0;
            foreach (var line in Lines(stream))
            {
                if (line.AsSpan().IndexOf(marker) >= 0)
                {
                    try
                    {
                        if (JsonSerializer.Deserialize<T>(line, Json) is { } item && key(item) is { } name)
                        {
                            index[name] = offset;
                        }
                    }
                    catch (JsonException)
                    {
                    }
                }
                offset += line.Length + 1;
            }
            return index;
        }

        /// <summary>The line that starts at <paramref name="offset"/>, read as a <typeparamref name="T"/>.</summary>
        public T? ReadAt<T>(long offset) where T : class
        {
            using var stream = OpenForReading();
            stream.Position = offset;
            var line = Lines(stream).FirstOrDefault();
            return line is null ? null : JsonSerializer.Deserialize<T>(line, Json);
        }

        /// <summary>The file's lines as bytes, without their newline, one at a time.</summary>
        private static IEnumerable<byte[]> Lines(Stream stream)
        {
            var buffer = new byte[64 * 1024];
            var line = new MemoryStream();
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                int start = 0;
                for (int i = 0; i < read; i++)
                {
                    if (buffer[i] == '\n')
                    {
                        line.Write(buffer, start, i - start);
                        yield return line.ToArray();
                        line.SetLength(0);
                        start = i + 1;
                    }
                }
                line.Write(buffer, start, read - start);
            }
            if (line.Length > 0)
            {
                yield return line.ToArray();
            }
        }

        /// <summary>The usable edit lines read now, one at a time, without keeping them (for a pass over a large record).</summary>
        public IEnumerable<RecordEntry> StreamEntries()
        {
            if (!File.Exists(Path))
            {
                yield break;
            }
            using var stream = OpenForReading();
            using var reader = new StreamReader(stream, Encoding.UTF8);
            string? line;
            while ((line = reader.ReadLine()) != null)
            {
                if (line.Length == 0 || line.IndexOf("\"type\":", StringComparison.Ordinal) >= 0)
                {
                    continue;
                }
                RecordEntry? entry = null;
                try
                {
                    entry = JsonSerializer.Deserialize<RecordEntry>(line, Json);
                }
                catch (JsonException)
                {
                }
                if (entry != null && entry.IsUsable())
                {
                    yield return entry;
                }
            }
        }

        /// <summary>Appends other kinds of lines (a batch's uploads, requests and jobs), each object one line, all under one lock.</summary>
        public void AppendObjects(IEnumerable<object> items) =>
            AppendLines(items.Select(item => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(item, item.GetType(), Json) + "\n")).ToList());

        /// <summary>The lines whose "type" is <paramref name="type"/>, read now, oldest first; unreadable lines are skipped.</summary>
        public IEnumerable<T> ReadTyped<T>(string type) where T : class
        {
            if (!File.Exists(Path))
            {
                yield break;
            }
            string marker = "\"type\":\"" + type + "\"";
            using var stream = OpenForReading();
            using var reader = new StreamReader(stream, Encoding.UTF8);
            string? line;
            while ((line = reader.ReadLine()) != null)
            {
                if (line.IndexOf(marker, StringComparison.Ordinal) < 0)
                {
                    continue;
                }
                T? item = null;
                try
                {
                    item = JsonSerializer.Deserialize<T>(line, Json);
                }
                catch (JsonException)
                {
                }
                if (item != null)
                {
                    yield return item;
                }
            }
        }

        /// <summary>
        /// Appends whole lines under the file's lock. Only the wait for the lock is repeated: a write that fails (a full
        /// disk, a folder made read-only) is thrown at once, since writing again could only add more cut-short lines.
        /// </summary>
        private void AppendLines(IReadOnlyCollection<byte[]> lines)
        {
            lock (_appendLock)
            {
                using var file = OpenExclusive();
                if (file.Length > 0)
                {
                    file.Position = file.Length - 1;
                    if (file.ReadByte() != '\n')
                    {
                        // The last writer died (or its disk filled) mid-line: end that line, so this one stands on its own.
                        file.WriteByte((byte)'\n');
                    }
                }
                file.Position = file.Length;
                foreach (var line in lines)
                {
                    file.Write(line, 0, line.Length);
                }
                // Into the kernel, not to the platter: a lost power loses at most the last lines (their inputs are sent again
                // by -Resume); a crash of this process loses nothing, and a batch does not wait for the disk on every line.
                file.Flush(flushToDisk: false);
                _readLength = file.Length;
            }
        }

        /// <summary>Opens the record to append, unbuffered, waiting while another run holds it (at most a few seconds in all).</summary>
        private FileStream OpenExclusive()
        {
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    return new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 0, FileOptions.None);
                }
                catch (IOException ex) when (attempt < 400 && IsHeldByAnother(ex))
                {
                    Thread.Sleep(10);
                }
            }
        }

        /// <summary>
        /// Whether opening failed because another writer holds the file, not for a fault of the disk: on Windows a sharing
        /// or lock violation (HRESULT 0x80070020, 0x80070021); on Unix .NET's flock gave EWOULDBLOCK (11 on Linux, 35 on
        /// macOS), which it reports as the errno itself.
        /// </summary>
        internal static bool IsHeldByAnother(IOException ex) =>
            ex.HResult is 11 or 35 || ex.HResult == unchecked((int)0x80070020) || ex.HResult == unchecked((int)0x80070021);

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
        /// <summary>For a result collected from a Batch API job: the batch and the line's custom_id.</summary>
        [JsonPropertyName("batchId")] public string? BatchId { get; set; }
        [JsonPropertyName("customId")] public string? CustomId { get; set; }
        /// <summary>What the request cost in USD (usage times the price table, half for a batch); left out when not known.</summary>
        [JsonPropertyName("cost")] public decimal? Cost { get; set; }
        /// <summary>How many tries of the request were sent (1 for a batch line).</summary>
        [JsonPropertyName("attempts")] public int? Attempts { get; set; }

        /// <summary>What the answer said of the images: created, usage, background, format, quality, size.</summary>
        public void TakeAnswer(Responses.ParsedPayload answer)
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
                return File.Exists(path) && new FileInfo(path).Length == Length && Requests.RequestFingerprint.HashFile(path) == Sha256;
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
