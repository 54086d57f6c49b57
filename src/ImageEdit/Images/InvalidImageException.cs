using System;

namespace ImageEdit.Images
{
    /// <summary>A file that is not a well-formed PNG, JPEG or WebP image.</summary>
    public sealed class InvalidImageException : Exception
    {
        public InvalidImageException(string reason) : base(reason)
        {
        }
    }
}
