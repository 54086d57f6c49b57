using System.Buffers;

namespace ImageEdit.TestServer;

/// <summary>
/// A request body read whole into pooled chunks and exposed as one ReadOnlySequence, so that a JSON body of tens of
/// megabytes is held once, in pieces, and never copied into a single array or a string.
/// </summary>
internal sealed class BufferedBody : IDisposable
{
    private const int ChunkSize = 1024 * 1024;
    private readonly List<byte[]> _chunks = new();
    private readonly List<int> _used = new();

    private BufferedBody()
    {
    }

    public ReadOnlySequence<byte> Sequence { get; private set; }
    public long Length { get; private set; }

    public static async Task<BufferedBody> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var body = new BufferedBody();
        try
        {
            while (true)
            {
                if (body._chunks.Count == 0 || body._used[^1] == body._chunks[^1].Length)
                {
                    body._chunks.Add(ArrayPool<byte>.Shared.Rent(ChunkSize));
                    body._used.Add(0);
                }
                byte[] chunk = body._chunks[^1];
                int used = body._used[^1];
                int read = await stream.ReadAsync(chunk.AsMemory(used, chunk.Length - used), cancellationToken);
                if (read == 0) break;
                body._used[^1] = used + read;
                body.Length += read;
            }
        }
        catch
        {
            body.Dispose();
            throw;
        }
        body.Sequence = body.Link();
        return body;
    }

    private ReadOnlySequence<byte> Link()
    {
        Segment? first = null, last = null;
        long running = 0;
        for (int i = 0; i < _chunks.Count; i++)
        {
            if (_used[i] == 0) continue;
            var segment = new Segment(_chunks[i].AsMemory(0, _used[i]), running);
            running += _used[i];
            if (last is null) first = segment;
            else last.Link(segment);
            last = segment;
        }
        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    public void Dispose()
    {
        foreach (var chunk in _chunks) ArrayPool<byte>.Shared.Return(chunk);
        _chunks.Clear();
        _used.Clear();
        Sequence = ReadOnlySequence<byte>.Empty;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void Link(Segment next) => Next = next;
    }
}
