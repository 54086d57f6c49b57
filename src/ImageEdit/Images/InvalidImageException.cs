using System;

namespace ImageEdit.Images
{
    /// <summary>A file that is not a well-formed PNG, JPEG or WebP image; the message says what is wrong with it.</summary>
    public class InvalidImageException : Exception
    {
        public InvalidImageException(string reason) : base(reason)
        {
        }
    }

    /// <summary>A file whose first bytes match none of the PNG, JPEG and WebP signatures.</summary>
    public sealed class UnrecognisedImageFormatException : InvalidImageException
    {
        public UnrecognisedImageFormatException(string reason) : base(reason)
        {
        }
    }

    /// <summary>A file of 0 bytes.</summary>
    public sealed class EmptyImageFileException : InvalidImageException
    {
        public EmptyImageFileException() : base("the file is empty")
        {
        }
    }
}
