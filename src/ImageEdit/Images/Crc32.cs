using System;
using System.Runtime.InteropServices;

namespace ImageEdit.Images
{
    /// <summary>
    /// The CRC-32 that PNG chunks carry (ISO 3309, the same polynomial as zlib), so that checking a photo's image data
    /// while it is sent keeps up with the network: by the vectorised crc32 of the zlib that .NET itself ships
    /// (System.IO.Compression.Native) where it can be loaded, else eight bytes at a time in managed code ("slicing by 8").
    /// </summary>
    internal static class Crc32
    {
        public const uint Seed = 0xFFFFFFFFu;
        private const int NativeThreshold = 256;
        private static readonly uint[][] Tables = BuildTables();
        private static bool _nativeUnavailable;

        public static uint Update(uint crc, byte[] buffer, int offset, int count)
        {
            if (count >= NativeThreshold && !_nativeUnavailable)
            {
                try
                {
                    // zlib's crc32 takes and returns the finished form: ours is its complement.
                    return ~NativeCrc32(~crc, ref buffer[offset], count);
                }
                catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException || ex is BadImageFormatException)
                {
                    _nativeUnavailable = true;
                }
            }
            return ManagedUpdate(crc, buffer, offset, count);
        }

        [DllImport("System.IO.Compression.Native", EntryPoint = "CompressionNative_Crc32")]
        private static extern uint NativeCrc32(uint crc, ref byte buffer, int length);

        internal static uint ManagedUpdate(uint crc, byte[] buffer, int offset, int count)
        {
            uint[] t0 = Tables[0], t1 = Tables[1], t2 = Tables[2], t3 = Tables[3], t4 = Tables[4], t5 = Tables[5], t6 = Tables[6], t7 = Tables[7];
            int i = offset;
            int end = offset + count;
            for (; i + 8 <= end; i += 8)
            {
                uint low = crc ^ (uint)(buffer[i] | buffer[i + 1] << 8 | buffer[i + 2] << 16 | buffer[i + 3] << 24);
                crc = t7[low & 0xFF] ^ t6[(low >> 8) & 0xFF] ^ t5[(low >> 16) & 0xFF] ^ t4[low >> 24]
                    ^ t3[buffer[i + 4]] ^ t2[buffer[i + 5]] ^ t1[buffer[i + 6]] ^ t0[buffer[i + 7]];
            }
            for (; i < end; i++)
            {
                crc = t0[(crc ^ buffer[i]) & 0xFF] ^ (crc >> 8);
            }
            return crc;
        }

        public static uint Finish(uint crc) => crc ^ 0xFFFFFFFFu;

        private static uint[][] BuildTables()
        {
            var tables = new uint[8][];
            for (int t = 0; t < 8; t++)
            {
                tables[t] = new uint[256];
            }
            for (uint n = 0; n < 256; n++)
            {
                uint c = n;
                for (int k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                }
                tables[0][n] = c;
            }
            for (uint n = 0; n < 256; n++)
            {
                for (int t = 1; t < 8; t++)
                {
                    tables[t][n] = tables[0][tables[t - 1][n] & 0xFF] ^ (tables[t - 1][n] >> 8);
                }
            }
            return tables;
        }
    }
}
