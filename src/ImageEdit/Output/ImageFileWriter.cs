using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Images;

namespace ImageEdit.Output
{
    /// <summary>
    /// Saves returned images into one folder without ever losing a file: each is written to a temporary file in
    /// that folder and renamed into place only when complete, under a name no existing file has (unless -Force),
    /// with the extension its bytes call for. A failed or cancelled save leaves nothing behind.
    /// </summary>
    internal sealed class ImageFileWriter
    {
        private const int Base64ChunkChars = 64 * 1024;
        private readonly string _directory;
        private readonly bool _force;

        public ImageFileWriter(string directory, bool force)
        {
            _directory = directory;
            _force = force;
        }

        /// <summary>Decodes base64 into a new file in chunks, never holding the decoded image whole.</summary>
        public Task<string> SaveBase64Async(string base64, string baseName, CancellationToken cancellation) =>
            SaveAsync(baseName, async file =>
            {
                var chars = new char[Base64ChunkChars];
                int position = 0;
                while (position < base64.Length)
                {
                    cancellation.ThrowIfCancellationRequested();
                    int count = Math.Min(Base64ChunkChars, base64.Length - position);
                    base64.CopyTo(position, chars, 0, count);
                    byte[] bytes = Convert.FromBase64CharArray(chars, 0, count);
                    await file.WriteAsync(bytes, 0, bytes.Length, cancellation).ConfigureAwait(false);
                    position += count;
                }
            });

        /// <summary>Copies a downloaded image into a new file.</summary>
        public Task<string> SaveStreamAsync(Stream source, string baseName, CancellationToken cancellation) =>
            SaveAsync(baseName, file => source.CopyToAsync(file, 81920, cancellation));

        private async Task<string> SaveAsync(string baseName, Func<FileStream, Task> write)
        {
            Directory.CreateDirectory(_directory);
            string temporary = Path.Combine(_directory, $".{baseName}.{Guid.NewGuid():N}.partial");
            try
            {
                ImageFormat format;
                using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.Asynchronous))
                {
                    await write(file).ConfigureAwait(false);
                    await file.FlushAsync().ConfigureAwait(false);
                    format = SniffFormat(file);
                }
                string extension = format == ImageFormat.Unknown ? ".bin" : ImageFormats.Extension(format);
                return ClaimName(temporary, baseName, extension);
            }
            catch (Exception ex)
            {
                TryDelete(temporary);
                if (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw new OutputWriteException($"Could not save {baseName} in {_directory}: {ex.Message}", ex);
                }
                throw;
            }
        }

        /// <summary>Removes files this writer saved for a request that then failed, so a failed request leaves nothing.</summary>
        public static void Remove(IEnumerable<string> paths)
        {
            foreach (var path in paths)
            {
                TryDelete(path);
            }
        }

        /// <summary>Renames the finished file to the first free name: base.ext, then "base (2).ext", "base (3).ext"...</summary>
        private string ClaimName(string temporary, string baseName, string extension)
        {
            for (int attempt = 1; ; attempt++)
            {
                string candidate = Path.Combine(_directory, baseName + (attempt == 1 ? "" : $" ({attempt})") + extension);
                if (_force && attempt == 1 && File.Exists(candidate))
                {
                    File.Replace(temporary, candidate, null);
                    return candidate;
                }
                if (File.Exists(candidate))
                {
                    continue;
                }
                try
                {
                    // File.Move refuses to replace an existing file, so a file created since the check is never overwritten.
                    File.Move(temporary, candidate);
                    return candidate;
                }
                catch (IOException) when (File.Exists(candidate) && File.Exists(temporary))
                {
                }
            }
        }

        private static ImageFormat SniffFormat(FileStream file)
        {
            file.Position = 0;
            var header = new byte[12];
            int count = file.Read(header, 0, header.Length);
            return ImageFormats.FromMagic(header, count);
        }

        private static void TryDelete(string path)
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
