namespace ImageEdit.Images
{
    /// <summary>What the header of an image file says about it.</summary>
    internal sealed class ImageInfo
    {
        public ImageInfo(ImageFormat format, int width, int height, bool hasAlpha, long length)
        {
            Format = format;
            Width = width;
            Height = height;
            HasAlpha = hasAlpha;
            Length = length;
        }

        public ImageFormat Format { get; }
        public int Width { get; }
        public int Height { get; }

        /// <summary>True when the encoding can carry transparency (an alpha channel or a transparency chunk).</summary>
        public bool HasAlpha { get; }

        /// <summary>The file's length in bytes.</summary>
        public long Length { get; }

        public string ContentType => ImageFormats.ContentType(Format);

        public override string ToString() => $"{Format} {Width}x{Height}{(HasAlpha ? " with alpha" : "")}";
    }
}
