using System;
using System.IO;
using System.Security.Cryptography;
using ImageEdit.Output;

namespace ImageEdit.Models
{
    /// <summary>
    /// The bytes of one returned image, as the result objects give them: base64 text the API sent (when nothing was
    /// saved), or the saved file, read back on demand and checked against the SHA-256 and length of what the API returned
    /// so that a file moved or changed since is an error, never other bytes; or, when saving failed, the bytes in memory.
    /// </summary>
    internal sealed class ReturnedImage
    {
        private readonly string? _b64Json;
        private readonly SavedImage? _saved;
        private readonly bool _returnedAsBase64;

        /// <param name="b64Json">The base64 the API sent, when it was not decoded straight into a file.</param>
        /// <param name="saved">What became of the image on disk, when saving.</param>
        /// <param name="returnedAsBase64">False for an image the API gave as a url: its saved copy is not read back as B64Json.</param>
        public ReturnedImage(string? b64Json, SavedImage? saved, bool returnedAsBase64 = true)
        {
            _b64Json = b64Json;
            _saved = saved;
            _returnedAsBase64 = returnedAsBase64;
        }

        public string? Path => _saved?.Path;

        public string? Sha256 => _saved?.Sha256Hex;

        public bool IsEmpty => _b64Json is null && _saved is null;

        /// <summary>
        /// The base64 the module holds: what the API sent when nothing was saved, or the bytes of an image that could not
        /// be saved. A saved image is in its file, not here (so results stay small in ConvertTo-Json, Export-Clixml and
        /// jobs); <see cref="ReadB64Json"/> reads it back, checked, or says why it cannot.
        /// </summary>
        public string? B64Json
        {
            get
            {
                if (_b64Json != null || _saved is null)
                {
                    return _b64Json;
                }
                return _saved.Bytes is null ? null : Convert.ToBase64String(_saved.Bytes);
            }
        }

        /// <summary>The base64 of the returned image; throws, naming the file, when the saved file no longer holds those bytes.</summary>
        public string? ReadB64Json()
        {
            if (_b64Json != null || _saved is null)
            {
                return _b64Json;
            }
            if (_saved.Bytes != null)
            {
                // Not saved: the bytes travel here, whatever form the API gave them in, so they are not lost.
                return Convert.ToBase64String(_saved.Bytes);
            }
            return _saved.Path is null || !_returnedAsBase64 ? null : Convert.ToBase64String(ReadVerified(_saved));
        }

        /// <summary>A short description for ToString, without reading any file.</summary>
        public string Describe() => Path ?? (_b64Json != null ? $"(base64 image, {_b64Json.Length} characters)" : _saved?.Bytes != null ? $"(unsaved image, {_saved.Bytes.Length} bytes)" : "(no image)");

        private static byte[] ReadVerified(SavedImage saved)
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(saved.Path!);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw Changed(saved, $"it can no longer be read ({ex.Message})");
            }
            if (bytes.Length != saved.Length)
            {
                throw Changed(saved, $"it now holds {bytes.Length} bytes, not the {saved.Length} the API returned");
            }
            using (var sha = SHA256.Create())
            {
                var hash = sha.ComputeHash(bytes);
                if (!hash.AsSpan().SequenceEqual(saved.Sha256))
                {
                    throw Changed(saved, "its bytes have changed since it was saved");
                }
            }
            return bytes;
        }

        private static InvalidOperationException Changed(string path, string why) =>
            new InvalidOperationException($"B64Json is read back from {path}, but {why}; it is no longer the image the API returned. If the file was moved, read it where it is now; otherwise edit the image again.");

        private static InvalidOperationException Changed(SavedImage saved, string why) => Changed(saved.Path!, why);
    }
}
