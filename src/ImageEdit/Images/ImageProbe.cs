using System;
using System.IO;

namespace ImageEdit.Images
{
    /// <summary>
    /// Reads the format, size and alpha channel of a PNG, JPEG or WebP file from its headers alone,
    /// refusing a malformed file with an <see cref="InvalidImageException"/> that says what is wrong.
    /// </summary>
    internal static class ImageProbe
    {
        /// <summary>
        /// PNG files up to this size have every chunk's CRC checked (a corrupt image costs the user a refused request);
        /// larger ones have their chunk structure walked and every chunk but IDAT checked, so that probing a 48 MB
        /// upload does not read it twice.
        /// </summary>
        internal const long FullPngCrcCheckLimit = 8L * 1024 * 1024;

        public static ImageInfo Probe(string path)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.SequentialScan);
            return Probe(stream);
        }

        /// <summary>
        /// Reads no more than a file's headers: a PNG up to its first image data chunk (IHDR, PLTE, tRNS and the like, their
        /// CRCs checked), a JPEG up to its frame header, a WebP's header. This is what runs on the pipeline thread; a PNG's
        /// image data and end are checked while the request sends them (<see cref="PngBodyCheck"/>).
        /// </summary>
        public static ImageInfo ProbeHeaders(string path)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.None);
            return Probe(stream, headersOnly: true);
        }

        public static ImageInfo Probe(Stream stream, bool headersOnly = false)
        {
            if (stream.Length == 0)
            {
                throw new EmptyImageFileException();
            }
            var header = new byte[12];
            int count = ReadUpTo(stream, header, 0, header.Length);
            stream.Position = 0;
            switch (ImageFormats.FromMagic(header, count))
            {
                case ImageFormat.Png: return ProbePng(stream, headersOnly);
                case ImageFormat.Jpeg: return ProbeJpeg(stream);
                case ImageFormat.WebP: return ProbeWebP(stream);
                default:
                    throw new UnrecognisedImageFormatException("its first bytes match none of the PNG, JPEG and WebP signatures");
            }
        }

        private static ImageInfo ProbePng(Stream stream, bool headersOnly)
        {
            long length = stream.Length;
            stream.Position = 8;
            var chunkHeader = new byte[8];
            bool verifyIdat = length <= FullPngCrcCheckLimit;
            int width = 0, height = 0, colourType = -1;
            bool sawIhdr = false, sawIdat = false, sawPalette = false, sawTransparency = false;
            while (true)
            {
                long chunkStart = stream.Position;
                if (ReadUpTo(stream, chunkHeader, 0, 8) < 8)
                {
                    throw new InvalidImageException("the PNG ends before its IEND chunk (the file is truncated)");
                }
                uint dataLength = ReadUInt32BigEndian(chunkHeader, 0);
                string type = ChunkType(chunkHeader);
                if (dataLength > int.MaxValue || chunkStart + 12 + dataLength > length)
                {
                    throw new InvalidImageException($"the PNG chunk '{type}' at byte {chunkStart} runs past the end of the file");
                }
                if (!sawIhdr && type != "IHDR")
                {
                    throw new InvalidImageException("the PNG does not start with an IHDR chunk");
                }

                bool isIdat = type == "IDAT";
                if (isIdat && headersOnly)
                {
                    if (colourType == 3 && !sawPalette)
                    {
                        throw new InvalidImageException("the PNG is palette-based but has no PLTE chunk before its image data");
                    }
                    // Transparency (tRNS) comes before the image data, so the headers tell everything the checks need.
                    return new ImageInfo(ImageFormat.Png, width, height, colourType == 4 || colourType == 6 || sawTransparency, length);
                }
                if (isIdat && !verifyIdat)
                {
                    stream.Position = chunkStart + 12 + dataLength;
                }
                else
                {
                    byte[] data = ReadChunkVerifyingCrc(stream, chunkHeader, (int)dataLength, type, keepData: type == "IHDR");
                    if (type == "IHDR")
                    {
                        (width, height, colourType) = ParseIhdr(data);
                        sawIhdr = true;
                    }
                }

                switch (type)
                {
                    case "PLTE": sawPalette = true; break;
                    case "tRNS": sawTransparency = true; break;
                    case "IDAT":
                        if (colourType == 3 && !sawPalette)
                        {
                            throw new InvalidImageException("the PNG is palette-based but has no PLTE chunk before its image data");
                        }
                        sawIdat = true;
                        break;
                    case "IEND":
                        if (!sawIdat)
                        {
                            throw new InvalidImageException("the PNG has no IDAT chunk, so it holds no image data");
                        }
                        bool alpha = colourType == 4 || colourType == 6 || sawTransparency;
                        return new ImageInfo(ImageFormat.Png, width, height, alpha, length);
                }
            }
        }

        private static byte[] ReadChunkVerifyingCrc(Stream stream, byte[] chunkHeader, int dataLength, string type, bool keepData)
        {
            uint crc = Crc32.Update(Crc32.Seed, chunkHeader, 4, 4);
            byte[] data = keepData ? new byte[dataLength] : Array.Empty<byte>();
            var buffer = keepData ? data : new byte[Math.Min(dataLength, 64 * 1024)];
            int remaining = dataLength;
            int offset = 0;
            while (remaining > 0)
            {
                int want = keepData ? remaining : Math.Min(remaining, buffer.Length);
                int got = ReadUpTo(stream, buffer, keepData ? offset : 0, want);
                if (got < want)
                {
                    throw new InvalidImageException($"the PNG chunk '{type}' is truncated");
                }
                crc = Crc32.Update(crc, buffer, keepData ? offset : 0, got);
                offset += got;
                remaining -= got;
            }
            var crcBytes = new byte[4];
            if (ReadUpTo(stream, crcBytes, 0, 4) < 4)
            {
                throw new InvalidImageException($"the PNG chunk '{type}' is truncated");
            }
            if (Crc32.Finish(crc) != ReadUInt32BigEndian(crcBytes, 0))
            {
                throw new InvalidImageException($"the PNG chunk '{type}' fails its CRC check (the file is corrupt)");
            }
            return data;
        }

        private static (int Width, int Height, int ColourType) ParseIhdr(byte[] data)
        {
            if (data.Length != 13)
            {
                throw new InvalidImageException($"the PNG IHDR chunk is {data.Length} bytes long instead of 13");
            }
            uint width = ReadUInt32BigEndian(data, 0);
            uint height = ReadUInt32BigEndian(data, 4);
            int bitDepth = data[8];
            int colourType = data[9];
            if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
            {
                throw new InvalidImageException($"the PNG declares an impossible size of {width}x{height}");
            }
            if (!IsValidDepth(colourType, bitDepth))
            {
                throw new InvalidImageException($"the PNG declares colour type {colourType} with bit depth {bitDepth}, which the PNG standard does not allow");
            }
            if (data[10] != 0 || data[11] != 0 || data[12] > 1)
            {
                throw new InvalidImageException("the PNG declares an unknown compression, filter or interlace method");
            }
            return ((int)width, (int)height, colourType);
        }

        private static bool IsValidDepth(int colourType, int bitDepth) => colourType switch
        {
            0 => bitDepth is 1 or 2 or 4 or 8 or 16,
            2 or 4 or 6 => bitDepth is 8 or 16,
            3 => bitDepth is 1 or 2 or 4 or 8,
            _ => false,
        };

        private static ImageInfo ProbeJpeg(Stream stream)
        {
            long length = stream.Length;
            stream.Position = 2;
            var segment = new byte[8];
            while (true)
            {
                int marker = NextJpegMarker(stream);
                if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7))
                {
                    continue;
                }
                if (marker == 0xD9 || marker == 0xDA)
                {
                    throw new InvalidImageException("the JPEG has no frame header (SOF) before its image data");
                }
                if (ReadUpTo(stream, segment, 0, 2) < 2)
                {
                    throw new InvalidImageException("the JPEG is truncated inside a segment header");
                }
                int segmentLength = (segment[0] << 8) | segment[1];
                if (segmentLength < 2 || stream.Position - 2 + segmentLength > length)
                {
                    throw new InvalidImageException("a JPEG segment runs past the end of the file");
                }
                if (IsStartOfFrame(marker))
                {
                    if (segmentLength < 8 || ReadUpTo(stream, segment, 0, 5) < 5)
                    {
                        throw new InvalidImageException("the JPEG frame header is truncated");
                    }
                    int height = (segment[1] << 8) | segment[2];
                    int width = (segment[3] << 8) | segment[4];
                    if (width == 0 || height == 0)
                    {
                        throw new InvalidImageException($"the JPEG declares an impossible size of {width}x{height}");
                    }
                    return new ImageInfo(ImageFormat.Jpeg, width, height, hasAlpha: false, length);
                }
                stream.Position += segmentLength - 2;
            }
        }

        private static int NextJpegMarker(Stream stream)
        {
            int b = stream.ReadByte();
            if (b != 0xFF)
            {
                throw new InvalidImageException(b < 0 ? "the JPEG ends before its frame header" : "the JPEG segment structure is corrupt");
            }
            do
            {
                b = stream.ReadByte();
            }
            while (b == 0xFF);
            if (b < 0)
            {
                throw new InvalidImageException("the JPEG ends before its frame header");
            }
            return b;
        }

        private static bool IsStartOfFrame(int marker) =>
            marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;

        private static ImageInfo ProbeWebP(Stream stream)
        {
            long length = stream.Length;
            var header = new byte[30];
            int count = ReadUpTo(stream, header, 0, header.Length);
            uint riffSize = ReadUInt32LittleEndian(header, 4);
            if (riffSize + 8L > length || riffSize < 4)
            {
                throw new InvalidImageException($"the WebP RIFF header declares {riffSize + 8L} bytes but the file has {length} (the file is truncated)");
            }
            if (count < 30)
            {
                throw new InvalidImageException("the WebP file is too short to hold an image header");
            }
            string chunk = System.Text.Encoding.ASCII.GetString(header, 12, 4);
            switch (chunk)
            {
                case "VP8 ":
                    if (header[23] != 0x9D || header[24] != 0x01 || header[25] != 0x2A)
                    {
                        throw new InvalidImageException("the lossy WebP frame lacks its start code");
                    }
                    return WebPInfo(header[26] | ((header[27] & 0x3F) << 8), header[28] | ((header[29] & 0x3F) << 8), false, length);
                case "VP8L":
                    if (header[20] != 0x2F)
                    {
                        throw new InvalidImageException("the lossless WebP frame lacks its signature byte");
                    }
                    uint bits = ReadUInt32LittleEndian(header, 21);
                    int width = (int)(bits & 0x3FFF) + 1;
                    int height = (int)((bits >> 14) & 0x3FFF) + 1;
                    bool alpha = ((bits >> 28) & 1) == 1;
                    return WebPInfo(width, height, alpha, length);
                case "VP8X":
                    bool hasAlpha = (header[20] & 0x10) != 0;
                    int canvasWidth = (header[24] | (header[25] << 8) | (header[26] << 16)) + 1;
                    int canvasHeight = (header[27] | (header[28] << 8) | (header[29] << 16)) + 1;
                    return WebPInfo(canvasWidth, canvasHeight, hasAlpha, length);
                default:
                    throw new InvalidImageException($"the WebP file starts with an unknown chunk '{chunk.Trim()}'");
            }
        }

        private static ImageInfo WebPInfo(int width, int height, bool alpha, long length)
        {
            if (width == 0 || height == 0)
            {
                throw new InvalidImageException($"the WebP declares an impossible size of {width}x{height}");
            }
            return new ImageInfo(ImageFormat.WebP, width, height, alpha, length);
        }

        private static int ReadUpTo(Stream stream, byte[] buffer, int offset, int count)
        {
            int total = 0;
            while (total < count)
            {
                int read = stream.Read(buffer, offset + total, count - total);
                if (read == 0)
                {
                    break;
                }
                total += read;
            }
            return total;
        }

        private static string ChunkType(byte[] chunkHeader)
        {
            var chars = new char[4];
            for (int i = 0; i < 4; i++)
            {
                byte b = chunkHeader[4 + i];
                bool letter = (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z');
                if (!letter)
                {
                    throw new InvalidImageException("the PNG has a chunk whose type is not four letters (the file is corrupt)");
                }
                chars[i] = (char)b;
            }
            return new string(chars);
        }

        private static uint ReadUInt32BigEndian(byte[] b, int i) =>
            ((uint)b[i] << 24) | ((uint)b[i + 1] << 16) | ((uint)b[i + 2] << 8) | b[i + 3];

        private static uint ReadUInt32LittleEndian(byte[] b, int i) =>
            b[i] | ((uint)b[i + 1] << 8) | ((uint)b[i + 2] << 16) | ((uint)b[i + 3] << 24);
    }
}
