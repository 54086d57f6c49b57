using System;
using System.Collections.Generic;
using System.IO;

namespace ImageEdit.Output
{
    /// <summary>
    /// The part files a batch's lines are written to (.imageedit-batch-PLAN-PART.jsonl in the output folder). A run holds
    /// each of its part files open from the moment it creates it until its batch is on record, and so locked (a shared lock:
    /// FileShare.Read; .NET makes it an flock on Unix, a share mode on Windows); kill -9 ends the process and with it the
    /// lock. So a part file nobody holds was left by a run that ended before it could delete it, and can go; one that is
    /// held belongs to a live run and is never touched.
    /// </summary>
    internal static class PartFiles
    {
        public const string Pattern = ".imageedit-batch-*.jsonl";

        public static string Name(string plan, int part) => $".imageedit-batch-{plan}-{part}.jsonl";

        /// <summary>
        /// Creates a part file to write, held (shared lock) until disposed. Unbuffered, so that a line the folder cannot
        /// take (a full disk) fails where it is written, not later in a flush nobody can pin on an input.
        /// </summary>
        public static FileStream Create(string path) =>
            new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1);

        /// <summary>Opens a second handle that keeps the part file held after its writer is closed (while it is uploaded and made a batch).</summary>
        public static FileStream Hold(string path) => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);

        /// <summary>Whether a live run holds this part file (false when it is not there).</summary>
        public static bool IsHeld(string path)
        {
            try
            {
                using (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None))
                {
                }
                return false;
            }
            catch (FileNotFoundException)
            {
                return false;
            }
            catch (IOException)
            {
                return true;
            }
        }

        /// <summary>Deletes every part file in <paramref name="folder"/> that no live run holds; returns their names.</summary>
        public static List<string> DeleteLeftBehind(string folder)
        {
            var deleted = new List<string>();
            if (!Directory.Exists(folder))
            {
                return deleted;
            }
            foreach (string path in Directory.EnumerateFiles(folder, Pattern))
            {
                try
                {
                    // Taken exclusively and deleted on close: no live run can be holding it in between.
                    using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose))
                    {
                    }
                    deleted.Add(Path.GetFileName(path));
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    // Held by a live run (or not ours to delete): left alone.
                }
            }
            return deleted;
        }
    }
}
