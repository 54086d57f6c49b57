using System;
using System.Collections.Concurrent;
using System.IO;

namespace ImageEdit.Images
{
    /// <summary>
    /// Probes each file once per command: the reference images and the mask go with every request of a batch, and
    /// their headers need not be read again while the file is unchanged.
    /// </summary>
    internal sealed class ImageProbeCache
    {
        private readonly ConcurrentDictionary<string, (long Length, DateTime Written, ImageInfo Info)> _known =
            new ConcurrentDictionary<string, (long, DateTime, ImageInfo)>(StringComparer.Ordinal);

        public ImageInfo Probe(string path)
        {
            // A symbolic link is judged by its target: its own length and time say nothing of the image.
            var file = FileTarget.Resolve(path);
            if (!file.Exists)
            {
                throw new FileNotFoundException("The file does not exist.", path);
            }
            if (_known.TryGetValue(path, out var entry) && entry.Length == file.Length && entry.Written == file.LastWriteTimeUtc)
            {
                return entry.Info;
            }
            // Headers only: the pipeline thread never reads a whole photo; the rest is checked while it is sent.
            var info = ImageProbe.ProbeHeaders(path);
            _known[path] = (file.Length, file.LastWriteTimeUtc, info);
            return info;
        }
    }
}
