using System;
using System.Buffers;
using System.Buffers.Text;

namespace ImageEdit.Output
{
    /// <summary>Decodes base64 arriving in pieces of any length, carrying the incomplete quantum from one piece to the next.</summary>
    internal sealed class Base64Decoder
    {
        public const int ChunkChars = 64 * 1024;
        private readonly byte[] _carry = new byte[4];
        private readonly byte[] _output = new byte[ChunkChars / 4 * 3 + 3];
        private int _carried;

        /// <summary>Decodes a piece; each run of decoded bytes goes to <paramref name="write"/> (buffer, offset, count).</summary>
        public void Decode(ReadOnlySpan<byte> base64Utf8, bool isFinal, Action<byte[], int, int> write)
        {
            while (_carried > 0 && _carried < 4 && base64Utf8.Length > 0)
            {
                _carry[_carried++] = base64Utf8[0];
                base64Utf8 = base64Utf8.Slice(1);
            }
            if (_carried == 4)
            {
                Write(new ReadOnlySpan<byte>(_carry, 0, 4), isFinal && base64Utf8.IsEmpty, write);
                _carried = 0;
            }
            while (base64Utf8.Length >= 4)
            {
                int take = Math.Min(ChunkChars, base64Utf8.Length - base64Utf8.Length % 4);
                bool last = isFinal && take == base64Utf8.Length;
                Write(base64Utf8.Slice(0, take), last, write);
                base64Utf8 = base64Utf8.Slice(take);
            }
            if (!base64Utf8.IsEmpty)
            {
                if (isFinal)
                {
                    throw new FormatException("The image's base64 text ends in the middle of a group of four characters.");
                }
                base64Utf8.CopyTo(_carry);
                _carried = base64Utf8.Length;
            }
        }

        private void Write(ReadOnlySpan<byte> base64Utf8, bool isFinal, Action<byte[], int, int> write)
        {
            var status = Base64.DecodeFromUtf8(base64Utf8, _output, out int consumed, out int written, isFinal);
            if (status != OperationStatus.Done && !(status == OperationStatus.NeedMoreData && !isFinal && consumed == base64Utf8.Length))
            {
                throw new FormatException($"The image's base64 text is invalid ({status}).");
            }
            write(_output, 0, written);
        }
    }
}
