using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Http;

namespace ImageEdit.Responses
{
    /// <summary>
    /// Reads an ImagesResponse, or one streamed event's payload, token by token as the bytes arrive. When a place to save
    /// images is given, each b64_json value is decoded straight into its file and never becomes a string, so a response
    /// of ten 4 MB images needs about one image's base64 in memory rather than the whole answer several times over.
    /// </summary>
    internal sealed class ImagePayloadParser : IDisposable
    {
        private const int ExcerptBytes = 1024;
        private readonly Func<int, IImageDestination>? _openImage;
        private readonly List<Frame> _frames = new List<Frame>();
        private readonly MemoryStream _excerpt = new MemoryStream();

        /// <param name="openImage">Given an image's index, the file to decode it into; null keeps images as base64 strings.</param>
        public ImagePayloadParser(Func<int, IImageDestination>? openImage)
        {
            _openImage = openImage;
        }

        public ParsedPayload Result { get; } = new ParsedPayload();

        /// <summary>The first bytes of the payload, for error messages.</summary>
        public byte[] Excerpt => _excerpt.ToArray();

        /// <summary>Reads a whole payload from a stream with a buffer that grows only to the largest single token.</summary>
        public async Task ReadAsync(Stream stream, CancellationToken cancellation)
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                var state = new JsonReaderState();
                int filled = 0;
                bool final = false;
                while (!final)
                {
                    if (filled == buffer.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        Buffer.BlockCopy(buffer, 0, larger, 0, filled);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                    int read = await stream.ReadAsync(buffer, filled, buffer.Length - filled, cancellation).ConfigureAwait(false);
                    KeepExcerpt(buffer, filled, read);
                    final = read == 0;
                    filled += read;
                    int consumed = Feed(new ReadOnlySpan<byte>(buffer, 0, filled), final, ref state);
                    Buffer.BlockCopy(buffer, consumed, buffer, 0, filled - consumed);
                    filled -= consumed;
                }
                if (filled > 0 || _frames.Count > 0 || !Result.SawRoot)
                {
                    throw new JsonException("the JSON ends before it is complete");
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>Reads a payload that is already whole in memory (a server-sent event's data).</summary>
        public void Read(ReadOnlySpan<byte> payload)
        {
            KeepExcerpt(payload.Slice(0, Math.Min(payload.Length, ExcerptBytes)).ToArray(), 0, Math.Min(payload.Length, ExcerptBytes));
            var state = new JsonReaderState();
            int consumed = Feed(payload, true, ref state);
            if (consumed != payload.Length || _frames.Count > 0 || !Result.SawRoot)
            {
                throw new JsonException("the JSON ends before it is complete");
            }
        }

        private int Feed(ReadOnlySpan<byte> data, bool final, ref JsonReaderState state)
        {
            var reader = new Utf8JsonReader(data, final, state);
            while (reader.Read())
            {
                Handle(ref reader);
            }
            state = reader.CurrentState;
            return (int)reader.BytesConsumed;
        }

        private void Handle(ref Utf8JsonReader reader)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    if (_frames.Count == 0)
                    {
                        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("the answer is not a JSON object");
                        Result.SawRoot = true;
                    }
                    else
                    {
                        Top.BeginValue();
                    }
                    _frames.Add(new Frame(reader.TokenType == JsonTokenType.StartArray));
                    return;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    _frames.RemoveAt(_frames.Count - 1);
                    return;
                case JsonTokenType.PropertyName:
                    Top.Property = reader.GetString();
                    return;
                default:
                    if (_frames.Count == 0) throw new JsonException("the answer is not a JSON object");
                    Top.BeginValue();
                    Value(ref reader);
                    return;
            }
        }

        private Frame Top => _frames[_frames.Count - 1];

        /// <summary>A value at the current path: the path says what it is.</summary>
        private void Value(ref Utf8JsonReader reader)
        {
            string? name = Top.Property;
            if (_frames.Count == 1)
            {
                switch (name)
                {
                    case "created": Result.Created = reader.GetInt64(); return;
                    case "created_at": Result.Created = reader.GetInt64(); return;
                    case "type": Result.Type = NullableString(ref reader); return;
                    case "background": Result.Background = NullableString(ref reader); return;
                    case "output_format": Result.OutputFormat = NullableString(ref reader); return;
                    case "size": Result.Size = NullableString(ref reader); return;
                    case "quality": Result.Quality = NullableString(ref reader); return;
                    case "partial_image_index": Result.PartialImageIndex = reader.GetInt32(); return;
                    case "b64_json": Image(0).SetBase64(ref reader, this); return;
                }
                return;
            }
            if (_frames.Count == 3 && _frames[0].Property == "data" && _frames[1].IsArray)
            {
                var image = Image(_frames[1].Index);
                switch (name)
                {
                    case "b64_json": image.SetBase64(ref reader, this); return;
                    case "url": image.Url = NullableString(ref reader); return;
                    case "revised_prompt": image.RevisedPrompt = NullableString(ref reader); return;
                }
                return;
            }
            if (_frames[0].Property == "usage" && reader.TokenType == JsonTokenType.Number)
            {
                var usage = Result.Usage ??= new UsageDto();
                if (_frames.Count == 2)
                {
                    switch (name)
                    {
                        case "input_tokens": usage.InputTokens = reader.GetInt32(); return;
                        case "output_tokens": usage.OutputTokens = reader.GetInt32(); return;
                        case "total_tokens": usage.TotalTokens = reader.GetInt32(); return;
                    }
                }
                else if (_frames.Count == 3)
                {
                    var details = _frames[1].Property switch
                    {
                        "input_tokens_details" => usage.InputTokensDetails ??= new TokenDetailsDto(),
                        "output_tokens_details" => usage.OutputTokensDetails ??= new TokenDetailsDto(),
                        _ => null,
                    };
                    if (details != null && name == "text_tokens") details.TextTokens = reader.GetInt32();
                    if (details != null && name == "image_tokens") details.ImageTokens = reader.GetInt32();
                }
            }
        }

        private ParsedImage Image(int index)
        {
            while (Result.Images.Count <= index)
            {
                Result.Images.Add(new ParsedImage(Result.Images.Count));
            }
            return Result.Images[index];
        }

        /// <summary>
        /// The raw UTF-8 of a string token, unescaped only when it has escapes (base64 rarely does: "\/", or "\u002B" from
        /// .NET's default encoder). The unescaped copy goes into <paramref name="rented"/>, from the shared pool, which the
        /// caller returns: an image's text is megabytes, and new memory of that size costs this machine about 4 ms per 1.5 MB
        /// the first time it is touched (measured), while a pooled array has been touched before.
        /// </summary>
        internal static ReadOnlySpan<byte> Utf8Value(ref Utf8JsonReader reader, out byte[]? rented)
        {
            rented = null;
            if (!reader.ValueIsEscaped)
            {
                return reader.ValueSpan;
            }
            rented = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
            int length = Base64Unescaper.TryUnescape(reader.ValueSpan, rented, out int written) ? written : reader.CopyString(rented);
            return new ReadOnlySpan<byte>(rented, 0, length);
        }

        internal IImageDestination? OpenImage(int index) => _openImage?.Invoke(index);

        private static string? NullableString(ref Utf8JsonReader reader) =>
            reader.TokenType == JsonTokenType.String ? reader.GetString() : null;

        private void KeepExcerpt(byte[] buffer, int offset, int count)
        {
            int keep = (int)Math.Min(count, ExcerptBytes - _excerpt.Length);
            if (keep > 0)
            {
                _excerpt.Write(buffer, offset, keep);
            }
        }

        public void Dispose() => Result.Dispose();

        private sealed class Frame
        {
            public Frame(bool isArray)
            {
                IsArray = isArray;
            }

            public bool IsArray { get; }
            public string? Property { get; set; }

            /// <summary>In an array, the index of the element being read.</summary>
            public int Index { get; private set; } = -1;

            public void BeginValue()
            {
                if (IsArray) Index++;
            }
        }
    }

    /// <summary>What an ImagesResponse or a stream event said, with each image either as base64 or already in its pending file.</summary>
    internal sealed class ParsedPayload : IDisposable
    {
        public bool SawRoot { get; set; }
        public long Created { get; set; }
        public string? Type { get; set; }
        public string? Background { get; set; }
        public string? OutputFormat { get; set; }
        public string? Size { get; set; }
        public string? Quality { get; set; }
        public int? PartialImageIndex { get; set; }
        public UsageDto? Usage { get; set; }
        public List<ParsedImage> Images { get; } = new List<ParsedImage>();

        public void Dispose()
        {
            foreach (var image in Images)
            {
                image.File?.Dispose();
            }
        }
    }

    /// <summary>Where an image's base64 is decoded as it is read (Output's pending file); the parser only writes into it.</summary>
    internal interface IImageDestination : IDisposable
    {
        void WriteBase64(ReadOnlySpan<byte> base64Utf8, bool isFinal);
    }

    internal sealed class ParsedImage
    {
        public ParsedImage(int index)
        {
            Index = index;
        }

        public int Index { get; }
        public string? B64Json { get; private set; }

        /// <summary>Where the base64 was decoded into (a file not yet given its final name), when a place was given.</summary>
        public IImageDestination? File { get; private set; }
        public string? Url { get; set; }
        public string? RevisedPrompt { get; set; }
        public bool HasImage => B64Json != null || File != null || Url != null;

        internal void SetBase64(ref Utf8JsonReader reader, ImagePayloadParser parser)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                return;
            }
            if (reader.ValueSpan.IsEmpty)
            {
                // Zero bytes are no image: saved, they would be a 0-byte file reported as a success.
                throw new JsonException("an image's b64_json is empty");
            }
            var file = parser.OpenImage(Index);
            if (file is null)
            {
                B64Json = reader.GetString();
                return;
            }
            File = file;
            byte[]? rented = null;
            try
            {
                file.WriteBase64(ImagePayloadParser.Utf8Value(ref reader, out rented), isFinal: true);
            }
            catch (FormatException ex)
            {
                throw new JsonException("an image's b64_json is not valid base64: " + ex.Message, ex);
            }
            finally
            {
                if (rented != null)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
        }
    }
}
