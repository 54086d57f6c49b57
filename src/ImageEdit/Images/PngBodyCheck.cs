using System;
using ImageEdit.Http;

namespace ImageEdit.Images
{
    /// <summary>
    /// Walks a PNG's chunks as its bytes are sent and checks every chunk's CRC, the image data's included, and that the
    /// image reaches its IEND chunk: the part of the integrity check the header probe leaves out, done off the pipeline
    /// thread. Bytes after IEND (appended metadata, padding) are sent unchecked: decoders, the API's included, stop at IEND.
    /// </summary>
    internal sealed class PngBodyCheck : IBodyCheck
    {
        private static readonly byte[] Signature = { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };
        private readonly string _path;
        private readonly byte[] _header = new byte[8];
        private readonly byte[] _crcBytes = new byte[4];
        private long _position;
        private int _headerFill;
        private int _crcFill;
        private long _dataLeft = -1;
        private uint _crc;
        private string _type = "";
        private bool _sawIend;

        public PngBodyCheck(string path)
        {
            _path = path;
        }

        public void Append(byte[] buffer, int offset, int count)
        {
            int end = offset + count;
            while (offset < end)
            {
                if (_position < 8)
                {
                    if (buffer[offset] != Signature[_position])
                    {
                        Fail("its PNG signature has changed since it was checked");
                    }
                    offset++;
                    _position++;
                    continue;
                }
                if (_sawIend)
                {
                    // The image ends at IEND; what follows is no part of it.
                    return;
                }
                if (_dataLeft < 0)
                {
                    int take = Math.Min(8 - _headerFill, end - offset);
                    Buffer.BlockCopy(buffer, offset, _header, _headerFill, take);
                    _headerFill += take;
                    offset += take;
                    _position += take;
                    if (_headerFill == 8)
                    {
                        _dataLeft = (uint)(_header[0] << 24 | _header[1] << 16 | _header[2] << 8 | _header[3]);
                        _type = System.Text.Encoding.ASCII.GetString(_header, 4, 4);
                        _crc = Crc32.Update(Crc32.Seed, _header, 4, 4);
                        _crcFill = 0;
                    }
                    continue;
                }
                if (_dataLeft > 0)
                {
                    int take = (int)Math.Min(_dataLeft, end - offset);
                    _crc = Crc32.Update(_crc, buffer, offset, take);
                    _dataLeft -= take;
                    offset += take;
                    _position += take;
                    continue;
                }
                int crcTake = Math.Min(4 - _crcFill, end - offset);
                Buffer.BlockCopy(buffer, offset, _crcBytes, _crcFill, crcTake);
                _crcFill += crcTake;
                offset += crcTake;
                _position += crcTake;
                if (_crcFill == 4)
                {
                    uint expected = (uint)(_crcBytes[0] << 24 | _crcBytes[1] << 16 | _crcBytes[2] << 8 | _crcBytes[3]);
                    if (Crc32.Finish(_crc) != expected)
                    {
                        Fail($"its PNG chunk '{_type}' fails its CRC check (the file is corrupt)");
                    }
                    _sawIend = _type == "IEND";
                    _dataLeft = -1;
                    _headerFill = 0;
                }
            }
        }

        public void Finish()
        {
            if (!_sawIend)
            {
                Fail("the PNG ends before its IEND chunk (the file is truncated)");
            }
        }

        private void Fail(string why) =>
            throw new BodyRefusedException(_path, $"{System.IO.Path.GetFileName(_path)} is not a usable image: {why}. The request was abandoned before it completed; nothing was edited.");
    }
}
