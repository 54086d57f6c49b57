using System;
using System.IO;
using System.Runtime.InteropServices;

namespace ImageEdit.Output
{
    /// <summary>
    /// Claims a file name atomically: the finished file appears under the name only if no file had it, decided by the
    /// file system in one step, so two writers can never both believe they own a name. On Unix a hard link is made
    /// (link(2) fails with EEXIST when the name is taken) and the temporary name removed; on Windows MoveFileEx
    /// without MOVEFILE_REPLACE_EXISTING is one such step already. Where a file system has no hard links, the name is
    /// first reserved by creating it exclusively (O_CREAT|O_EXCL) and the finished file then renamed over the reservation.
    /// </summary>
    internal static class NameClaim
    {
        private const int EEXIST = 17;
        private static readonly bool IsWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        /// <summary>Moves <paramref name="source"/> to <paramref name="destination"/> if no file has that name; false when one has.</summary>
        public static bool TryClaim(string source, string destination)
        {
            if (IsWindows)
            {
                try
                {
                    File.Move(source, destination);
                    return true;
                }
                catch (IOException) when (File.Exists(destination) || System.IO.Directory.Exists(destination))
                {
                    return false;
                }
            }
            if (link(source, destination) == 0)
            {
                ImageFileWriter.TryDelete(source);
                return true;
            }
            int error = Marshal.GetLastWin32Error();
            if (error == EEXIST)
            {
                return false;
            }
            return TryReserveThenReplace(source, destination);
        }

        /// <summary>Replaces whatever has the name (-Force).</summary>
        public static void Replace(string source, string destination)
        {
            if (File.Exists(destination))
            {
                File.Replace(source, destination, null);
            }
            else if (!TryClaim(source, destination))
            {
                File.Replace(source, destination, null);
            }
        }

        /// <summary>For file systems without hard links: an exclusive create reserves the name, then a rename fills it.</summary>
        private static bool TryReserveThenReplace(string source, string destination)
        {
            try
            {
                using (new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                }
            }
            catch (IOException) when (File.Exists(destination) || System.IO.Directory.Exists(destination))
            {
                return false;
            }
            File.Replace(source, destination, null);
            return true;
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int link(string oldpath, string newpath);
    }
}
