using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace ImageEdit.TestServer;

/// <summary>
/// Reads the raw bytes of one JSON image_url string, piece by piece as they lie in the buffered body, without making a
/// string of it: it undoes JSON escapes (System.Text.Json writes '+' as \u002B), counts the characters for maxLength,
/// tells a data URL from any other URL, and for a data URL checks its header and decodes its base64 straight into a
/// digest (count, SHA-256, first bytes). Neither the URL text nor the decoded image is ever held whole.
/// </summary>
internal sealed class ImageUrlDecoder : IDisposable
{
    private const int HeaderLimit = 256;
    private static readonly string[] MediaTypes = ["image/png", "image/jpeg", "image/webp"];

    private enum Stage { Scheme, Header, Data, Other }

    private Stage _stage = Stage.Scheme;
    private readonly byte[] _header = new byte[HeaderLimit];
    private int _headerLength;
    private readonly byte[] _escape = new byte[6];
    private int _escapeLength;
    private readonly byte[] _pending = new byte[16 * 1024];
    private int _pendingLength;
    private readonly byte[] _decoded = new byte[13 * 1024];
    private readonly ByteDigest _digest;

    public ImageUrlDecoder(int headBytes) => _digest = new ByteDigest(headBytes);

    /// <summary>The length of the string in UTF-16 units, as maxLength counts it.</summary>
    public long Characters { get; private set; }
    /// <summary>Why the data URL cannot be used; null while it is fine (and always null for other URLs).</summary>
    public string? Error { get; private set; }
    public bool IsDataUrl { get; private set; }
    /// <summary>For a data URL, the declared media type, lower case.</summary>
    public string? MediaType { get; private set; }
    /// <summary>For a data URL, everything up to and including the comma, e.g. "data:image/png;base64,".</summary>
    public string? Header { get; private set; }
    public long DecodedLength => _digest.Length;

    /// <summary>Takes the next raw piece of the string's JSON text; <paramref name="escaped"/> says whether the string has escapes at all.</summary>
    public void Feed(ReadOnlySpan<byte> raw, bool escaped)
    {
        if (!escaped)
        {
            Emit(raw);
            return;
        }
        while (!raw.IsEmpty)
        {
            if (_escapeLength > 0)
            {
                _escape[_escapeLength++] = raw[0];
                raw = raw[1..];
                FinishEscape();
                continue;
            }
            int backslash = raw.IndexOf((byte)'\\');
            if (backslash < 0)
            {
                Emit(raw);
                return;
            }
            Emit(raw[..backslash]);
            _escape[0] = (byte)'\\';
            _escapeLength = 1;
            raw = raw[(backslash + 1)..];
        }
    }

    /// <summary>Call after the last piece: ends the header or the base64.</summary>
    public void Complete()
    {
        switch (_stage)
        {
            case Stage.Scheme:
                _stage = Stage.Other;
                break;
            case Stage.Header:
                Fail("the data URL has no comma before its data.");
                break;
            case Stage.Data:
                if (Error is null) DecodePending(final: true);
                break;
        }
    }

    public (string Sha256, byte[] Head) Finish() => _digest.Finish();

    private void FinishEscape()
    {
        if (_escapeLength == 2)
        {
            byte letter = _escape[1];
            if (letter == (byte)'u') return;
            byte plain = letter switch
            {
                (byte)'b' => 8,
                (byte)'f' => 12,
                (byte)'n' => 10,
                (byte)'r' => 13,
                (byte)'t' => 9,
                _ => letter, // \" \\ \/ stand for themselves; the reader has already refused any other escape
            };
            _escapeLength = 0;
            Emit([plain]);
            return;
        }
        if (_escapeLength < 6) return;
        _escapeLength = 0;
        int code = 0;
        for (int i = 2; i < 6; i++)
        {
            code = code * 16 + HexValue(_escape[i]);
        }
        if (code < 0x80)
        {
            Emit([(byte)code]);
            return;
        }
        // Any character beyond ASCII counts as one unit and cannot belong to a data URL's header or base64.
        Characters++;
        Dispatch([0xFF]);
    }

    private static int HexValue(byte digit) => digit switch
    {
        >= (byte)'0' and <= (byte)'9' => digit - '0',
        >= (byte)'a' and <= (byte)'f' => digit - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => digit - 'A' + 10,
        _ => 0,
    };

    /// <summary>Unescaped UTF-8: counted, then passed on.</summary>
    private void Emit(ReadOnlySpan<byte> text)
    {
        if (text.IsEmpty) return;
        if (Ascii.IsValid(text))
        {
            Characters += text.Length;
        }
        else
        {
            foreach (byte b in text)
            {
                if ((b & 0xC0) != 0x80) Characters++;
                if (b >= 0xF0) Characters++; // four-byte sequences are two UTF-16 units
            }
        }
        Dispatch(text);
    }

    private void Dispatch(ReadOnlySpan<byte> text)
    {
        while (!text.IsEmpty && Error is null)
        {
            switch (_stage)
            {
                case Stage.Scheme:
                {
                    int take = Math.Min(5 - _headerLength, text.Length);
                    text[..take].CopyTo(_header.AsSpan(_headerLength));
                    _headerLength += take;
                    text = text[take..];
                    if (_headerLength == 5)
                    {
                        bool data = Ascii.EqualsIgnoreCase(_header.AsSpan(0, 5), "data:"u8);
                        _stage = data ? Stage.Header : Stage.Other;
                        IsDataUrl = data;
                    }
                    break;
                }
                case Stage.Header:
                {
                    int comma = text.IndexOf((byte)',');
                    var part = comma < 0 ? text : text[..comma];
                    if (_headerLength + part.Length > HeaderLimit)
                    {
                        Fail($"the data URL has no comma within its first {HeaderLimit} characters.");
                        return;
                    }
                    part.CopyTo(_header.AsSpan(_headerLength));
                    _headerLength += part.Length;
                    if (comma < 0) return;
                    text = text[(comma + 1)..];
                    ReadHeader();
                    break;
                }
                case Stage.Data:
                    AppendBase64(text);
                    return;
                default:
                    return;
            }
        }
    }

    private void ReadHeader()
    {
        _stage = Stage.Data;
        var bytes = _header.AsSpan(0, _headerLength);
        if (!Ascii.IsValid(bytes))
        {
            Fail("the data URL's header is not ASCII.");
            return;
        }
        string header = Encoding.ASCII.GetString(bytes);
        Header = header + ",";
        string[] parts = header[5..].Split(';');
        MediaType = parts[0].Trim().ToLowerInvariant();
        if (parts.Length < 2 || !parts[^1].Trim().Equals("base64", StringComparison.OrdinalIgnoreCase))
        {
            Fail("data URLs must be base64-encoded (data:image/png;base64,...).");
        }
        else if (!MediaTypes.Contains(MediaType))
        {
            Fail($"the data URL's media type '{MediaType}' is not supported. Supported types are image/png, image/jpeg and image/webp.");
        }
    }

    private void AppendBase64(ReadOnlySpan<byte> text)
    {
        while (!text.IsEmpty && Error is null)
        {
            int take = Math.Min(text.Length, _pending.Length - _pendingLength);
            text[..take].CopyTo(_pending.AsSpan(_pendingLength));
            _pendingLength += take;
            text = text[take..];
            if (_pendingLength == _pending.Length)
            {
                DecodePending(final: false);
                if (_pendingLength == _pending.Length) Fail("the data URL's base64 could not be decoded.");
            }
        }
    }

    /// <summary>Decodes what is pending; short of the end it keeps the last four characters back, since only the final block may hold padding.</summary>
    private void DecodePending(bool final)
    {
        int available = final ? _pendingLength : _pendingLength - 4;
        var status = Base64.DecodeFromUtf8(_pending.AsSpan(0, available), _decoded, out int consumed, out int written, final);
        if (status == OperationStatus.InvalidData || (final && status != OperationStatus.Done))
        {
            Fail("the data URL's base64 is not valid.");
            return;
        }
        _digest.Append(_decoded.AsSpan(0, written));
        _pending.AsSpan(consumed, _pendingLength - consumed).CopyTo(_pending);
        _pendingLength -= consumed;
    }

    private void Fail(string message) => Error ??= message;

    public void Dispose() => _digest.Dispose();
}
