using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace ImageEdit.Output
{
    /// <summary>
    /// Saves returned images into one folder without ever losing or overwriting a file: each is written to a hidden
    /// temporary file in that folder and, once complete, claimed under the first free name atomically (see
    /// <see cref="NameClaim"/>), so that any number of writers, in this process or others, can save to one name at
    /// once. With -Force a file of the first name that existed before is replaced instead, but never one this writer
    /// saved itself: one command's results never replace each other. A command uses one writer per folder.
    /// </summary>
    internal sealed class ImageFileWriter
    {
        private readonly ConcurrentDictionary<string, bool> _savedByThisRun = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        /// <summary>The longest file name (in UTF-8 bytes) the common file systems take.</summary>
        internal const int MaxFileNameBytes = 255;

        /// <summary>Room kept in a name for the " (NNNN)" a taken name gets.</summary>
        private const int CounterRoom = 7;

        private readonly bool _force;

        public ImageFileWriter(string directory, bool force)
        {
            Directory = directory;
            _force = force;
        }

        public string Directory { get; }

        /// <summary>Starts a new image; write to it, then commit it, or dispose it to discard it.</summary>
        public PendingImageFile Begin(OutputName name) => new PendingImageFile(this, name);

        private int _failedSaves;

        /// <summary>Images that could not be saved here (kept in their results instead), from any thread.</summary>
        public int FailedSaves => Volatile.Read(ref _failedSaves);

        internal void NoteFailedSave() => Interlocked.Increment(ref _failedSaves);

        /// <summary>Copies a downloaded image into a new file.</summary>
        public async Task<SavedImage> SaveStreamAsync(Stream source, OutputName name, CancellationToken cancellation)
        {
            using var file = Begin(name);
            await file.CopyFromAsync(source, cancellation).ConfigureAwait(false);
            return file.Commit();
        }

        /// <summary>A hidden temporary name, short enough never to be what makes a name too long.</summary>
        internal string TemporaryPath() => Path.Combine(Directory, $".imageedit-{Guid.NewGuid():N}.tmp");

        /// <summary>Gives the finished temporary file its final name: base.ext, else "base (2).ext", "base (3).ext"...</summary>
        internal string Claim(string temporary, OutputName name, string extension)
        {
            string baseName = FitName(name, extension);
            for (int attempt = 1; ; attempt++)
            {
                string candidate = Path.Combine(Directory, baseName + (attempt == 1 ? "" : $" ({attempt})") + extension);
                // The first writer of this run to take the name may replace what was there before; the others choose free names.
                if (_force && attempt == 1 && _savedByThisRun.TryAdd(candidate, true))
                {
                    NameClaim.Replace(temporary, candidate);
                    return candidate;
                }
                if (NameClaim.TryClaim(temporary, candidate))
                {
                    _savedByThisRun[candidate] = true;
                    return candidate;
                }
            }
        }

        /// <summary>
        /// The name, its stem shortened at a character boundary when stem + suffix + counter + extension would not fit a
        /// file name; the suffix (-edited-2) is kept whole, so the images of one source stay apart.
        /// </summary>
        internal static string FitName(OutputName name, string extension)
        {
            int budget = MaxFileNameBytes - CounterRoom - Encoding.UTF8.GetByteCount(extension) - Encoding.UTF8.GetByteCount(name.Suffix);
            string baseName = name.Stem;
            if (Encoding.UTF8.GetByteCount(baseName) <= budget)
            {
                return baseName + name.Suffix;
            }
            var fitted = new StringBuilder();
            int used = 0;
            for (int i = 0; i < baseName.Length; i++)
            {
                int width = char.IsHighSurrogate(baseName[i]) && i + 1 < baseName.Length ? 2 : 1;
                int bytes = Encoding.UTF8.GetByteCount(baseName.ToCharArray(i, width));
                if (used + bytes > budget)
                {
                    break;
                }
                fitted.Append(baseName, i, width);
                used += bytes;
                i += width - 1;
            }
            return fitted + name.Suffix;
        }

        /// <summary>Removes files saved for a request that then failed, so a failed request leaves nothing.</summary>
        public static void Remove(IEnumerable<string> paths)
        {
            foreach (var path in paths)
            {
                TryDelete(path);
            }
        }

        internal static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>A returned image could not be written (disk full, access denied); never mistaken for a network failure.</summary>
    public sealed class OutputWriteException : Exception
    {
        public OutputWriteException(string message, Exception inner) : base(message, inner)
        {
        }
    }
}
