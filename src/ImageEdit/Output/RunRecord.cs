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

        /// <summary>The request keys of the lines whose saved files are all still there, unchanged: inputs that have their result.</summary>
        public HashSet<string> KeysWithResults() =>
            new HashSet<string>(StreamEntries().Where(e => e.Files.All(f => f.IsUnchanged(Folder))).Select(e => e.Key), StringComparer.Ordinal);

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
}
