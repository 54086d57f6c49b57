using System;
using System.IO;
using System.Reflection;

namespace ImageEdit.Images
{
    /// <summary>
    /// Facts about the file a path opens, following symbolic links: on .NET a FileInfo of a link reports the link's own
    /// length and times, while opening it reads the target. Whatever announces a length or detects a change must ask here.
    /// </summary>
    internal static class FileTarget
    {
        private static readonly MethodInfo? ResolveLinkTarget =
            typeof(FileSystemInfo).GetMethod("ResolveLinkTarget", new[] { typeof(bool) });

        /// <summary>The length of the bytes reading the path gives.</summary>
        public static long Length(string path)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            return stream.Length;
        }

        /// <summary>The file a path finally names (the path itself when it is not a link, or when links cannot be resolved here).</summary>
        public static FileInfo Resolve(string path)
        {
            var file = new FileInfo(path);
            if (!file.Exists || (file.Attributes & FileAttributes.ReparsePoint) == 0 || ResolveLinkTarget is null)
            {
                return file;
            }
            try
            {
                return ResolveLinkTarget.Invoke(file, new object[] { true }) is FileInfo target ? target : file;
            }
            catch (TargetInvocationException ex) when (ex.InnerException is IOException || ex.InnerException is UnauthorizedAccessException)
            {
                return file;
            }
        }
    }
}
