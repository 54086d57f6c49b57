using System;

namespace ImageEdit.Output
{
    /// <summary>
    /// What became of one returned image: the file it was saved as, or (when saving failed) its bytes and why. Either
    /// way the SHA-256 and length of the bytes the API returned are known, so the file can later be checked against them.
    /// </summary>
    internal sealed class SavedImage
    {
        private SavedImage(string? path, byte[]? bytes, byte[] sha256, long length, OutputWriteException? failure)
        {
            Path = path;
            Bytes = bytes;
            Sha256 = sha256;
            Length = length;
            Failure = failure;
        }

        /// <summary>The saved file; null when it could not be saved.</summary>
        public string? Path { get; }

        /// <summary>The image's bytes, kept only when they could not be saved.</summary>
        public byte[]? Bytes { get; }
        public byte[] Sha256 { get; }
        public long Length { get; }
        public OutputWriteException? Failure { get; }

        public string Sha256Hex => BitConverter.ToString(Sha256).Replace("-", "").ToLowerInvariant();

        /// <summary>True when no file was written: a file already in the folder held exactly these bytes and was taken as this image's.</summary>
        public bool Adopted { get; private set; }

        public static SavedImage Saved(string path, byte[] sha256, long length) => new SavedImage(path, null, sha256, length, null);

        /// <summary>An image whose bytes a file already in the folder held, taken as its file (see <see cref="Adopted"/>).</summary>
        public static SavedImage AlreadyThere(string path, byte[] sha256, long length) => new SavedImage(path, null, sha256, length, null) { Adopted = true };

        public static SavedImage NotSaved(byte[]? bytes, byte[] sha256, long length, OutputWriteException failure) =>
            new SavedImage(null, bytes, sha256, length, failure);
    }
}
