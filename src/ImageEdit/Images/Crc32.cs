namespace ImageEdit.Images
{
    /// <summary>The CRC-32 that PNG chunks carry (ISO 3309, the same polynomial as zlib).</summary>
    internal static class Crc32
    {
        public const uint Seed = 0xFFFFFFFFu;
        private static readonly uint[] Table = BuildTable();

        public static uint Update(uint crc, byte[] buffer, int offset, int count)
        {
            for (int i = offset; i < offset + count; i++)
            {
                crc = Table[(crc ^ buffer[i]) & 0xFF] ^ (crc >> 8);
            }
            return crc;
        }

        public static uint Finish(uint crc) => crc ^ 0xFFFFFFFFu;

        private static uint[] BuildTable()
        {
            var table = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                uint c = n;
                for (int k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                }
                table[n] = c;
            }
            return table;
        }
    }
}
