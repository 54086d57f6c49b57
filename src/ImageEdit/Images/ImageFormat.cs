namespace ImageEdit.Images
{
    /// <summary>The image encodings the image-edit endpoint accepts, and GIF, which it returns (animated output) but does not take.</summary>
    internal enum ImageFormat
    {
        /// <summary>Not an encoding the endpoint accepts.</summary>
        Unknown,
        /// <summary>Portable Network Graphics.</summary>
        Png,
        /// <summary>JPEG (JFIF or Exif).</summary>
        Jpeg,
        /// <summary>WebP, lossy or lossless.</summary>
        WebP,
        /// <summary>GIF (87a or 89a): an animated result of -OutputFormat gif; not an input the endpoint takes.</summary>
        Gif,
    }

    /// <summary>MIME types and file extensions of the accepted encodings.</summary>
    internal static class ImageFormats
    {
        public static string ContentType(ImageFormat format) => format switch
        {
            ImageFormat.Png => "image/png",
            ImageFormat.Jpeg => "image/jpeg",
            ImageFormat.WebP => "image/webp",
            ImageFormat.Gif => "image/gif",
            _ => "application/octet-stream",
        };

        public static string Extension(ImageFormat format) => format switch
        {
            ImageFormat.Png => ".png",
            ImageFormat.Jpeg => ".jpg",
            ImageFormat.WebP => ".webp",
            ImageFormat.Gif => ".gif",
            _ => ".bin",
        };

        /// <summary>Recognises an encoding from the first bytes of a file (at least 12 are needed for WebP).</summary>
        public static ImageFormat FromMagic(byte[] header, int count)
        {
            if (count >= 8 && header[0] == 0x89 && header[1] == (byte)'P' && header[2] == (byte)'N' && header[3] == (byte)'G'
                && header[4] == 0x0D && header[5] == 0x0A && header[6] == 0x1A && header[7] == 0x0A)
            {
                return ImageFormat.Png;
            }
            if (count >= 3 && header[0] == 0xFF && header[1] == 0xD8 && header[2] == 0xFF)
            {
                return ImageFormat.Jpeg;
            }
            if (count >= 12 && header[0] == (byte)'R' && header[1] == (byte)'I' && header[2] == (byte)'F' && header[3] == (byte)'F'
                && header[8] == (byte)'W' && header[9] == (byte)'E' && header[10] == (byte)'B' && header[11] == (byte)'P')
            {
                return ImageFormat.WebP;
            }
            if (count >= 6 && header[0] == (byte)'G' && header[1] == (byte)'I' && header[2] == (byte)'F' && header[3] == (byte)'8'
                && (header[4] == (byte)'7' || header[4] == (byte)'9') && header[5] == (byte)'a')
            {
                return ImageFormat.Gif;
            }
            return ImageFormat.Unknown;
        }
    }
}
