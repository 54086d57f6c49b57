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
        private readonly bool _adoptIdentical;
        private Exception? _stoppedBy;

        /// <param name="directory">The folder.</param>
        /// <param name="force">-Force: the first file of a name that existed before this writer is replaced.</param>
        /// <param name="adoptIdentical">
        /// A file already in the folder under one of the image's names, holding exactly its bytes, is taken as the
        /// image's file instead of saving a copy beside it (Receive-ImageEditBatch: an image saved by a run killed before
        /// it recorded it, or the file still there of a request whose other file is being restored).
        /// </param>
        public ImageFileWriter(string directory, bool force, bool adoptIdentical = false)
        {
            Directory = directory;
            _force = force;
            _adoptIdentical = adoptIdentical;
            AdviceWhenNotSaved = $"Free space in '{directory}' (or make it writable again). The image is in the result's B64Json: save it from there " +
                "([IO.File]::WriteAllBytes($path, [Convert]::FromBase64String($b64))), or run the command again with -Resume, which sends this input again.";
        }

        public string Directory { get; }

        /// <summary>The RecommendedAction of an image that could not be saved here (the command knows how to get it again).</summary>
        public string AdviceWhenNotSaved { get; set; }

        /// <summary>
        /// Why the folder stopped taking this command's files (the first failed save or run record line that was about the
        /// folder, not about one name), or null. Once set, the command sends nothing more for this folder: a full disk still
        /// takes the empty probe file of a recheck, and every further answer could only be held in memory.
        /// </summary>
        public string? StoppedTakingFiles => Volatile.Read(ref _stoppedBy) is { } cause ? Reason(cause) : null;

        /// <summary>
        /// What went wrong, in the system's words, without the hidden temporary name .NET appends ("No space left on
        /// device : '/out/.imageedit-....tmp'" becomes "No space left on device"): the message names the folder and the image.
        /// </summary>
        internal static string Reason(Exception cause) =>
            System.Text.RegularExpressions.Regex.Replace(cause.Message, @"\s*:?\s*'[^']*\.imageedit-[0-9a-f]{32}\.tmp'", "").TrimEnd().TrimEnd('.');

        /// <summary>Notes that the folder failed a write that any file would fail (a full disk, a folder removed or made read-only).</summary>
        public void NoteStopped(Exception cause)
        {
            if (!(cause is PathTooLongException))
            {
                Interlocked.CompareExchange(ref _stoppedBy, cause, null);
            }
        }

        /// <summary>Starts a new image; write to it, then commit it, or dispose it to discard it.</summary>
        public PendingImageFile Begin(OutputName name) => new PendingImageFile(this, name);

        private int _failedSaves;

        /// <summary>Images that could not be saved here (kept in their results instead), from any thread.</summary>
        public int FailedSaves => Volatile.Read(ref _failedSaves);

        internal void NoteFailedSave(Exception cause)
        {
            Interlocked.Increment(ref _failedSaves);
            NoteStopped(cause);
        }

        /// <summary>Copies a downloaded image into a new file.</summary>
        public async Task<SavedImage> SaveStreamAsync(Stream source, OutputName name, CancellationToken cancellation)
        {
            using var file = Begin(name);
            await file.CopyFromAsync(source, cancellation).ConfigureAwait(false);
            return file.Commit();
        }

        /// <summary>A hidden temporary name, short enough never to be what makes a name too long.</summary>
        internal string TemporaryPath() => Path.Combine(Directory, $".imageedit-{Guid.NewGuid():N}.tmp");

        /// <summary>
        /// Gives the finished temporary file its final name: base.ext, else "base (2).ext", "base (3).ext"... (or, when
        /// adopting, the first of those names that already holds exactly these bytes).
        /// </summary>
        internal string Claim(string temporary, OutputName name, string extension, byte[] sha256, long length, out bool adopted)
        {
            adopted = false;
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
                if (_adoptIdentical && HoldsExactly(candidate, sha256, length))
                {
                    TryDelete(temporary);
                    adopted = true;
                    return candidate;
                }
            }
        }

        private static bool HoldsExactly(string path, byte[] sha256, long length)
        {
            try
            {
                if (!File.Exists(path) || new FileInfo(path).Length != length)
                {
                    return false;
                }
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var hash = System.Security.Cryptography.SHA256.Create();
                return hash.ComputeHash(file).AsSpan().SequenceEqual(sha256);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return false;
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

        /// <summary>What to do about it, when the writer knows better than the generic advice (how to get the image again).</summary>
        public string? Advice { get; set; }
    }
}
