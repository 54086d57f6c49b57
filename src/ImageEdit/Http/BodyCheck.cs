using System;

namespace ImageEdit.Http
{
    /// <summary>
    /// Checks a file's bytes while a body sends them (a PNG's chunk checksums, say), so that the check costs no second
    /// read and no time on the pipeline thread. A failure abandons the request before it completes, and is not retried.
    /// </summary>
    internal interface IBodyCheck
    {
        /// <summary>The next bytes of the file, in order.</summary>
        void Append(byte[] buffer, int offset, int count);

        /// <summary>The file has been sent whole.</summary>
        void Finish();
    }

    /// <summary>A file a body was sending turned out broken: the request is abandoned and not tried again.</summary>
    public sealed class BodyRefusedException : Exception
    {
        public BodyRefusedException(string path, string message, Exception? inner = null) : base(message, inner)
        {
            Path = path;
        }

        /// <summary>The broken file.</summary>
        public string Path { get; }
    }
}
