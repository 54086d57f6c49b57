using System.Management.Automation;
using ImageEdit.Requests;

namespace ImageEdit.Commands
{
    /// <summary>One input: the image source (a file, a URL or a file ID), or the error that explains why it is not one.</summary>
    internal sealed class ResolvedSource
    {
        public ResolvedSource(ImageSource? source, ErrorRecord? error)
        {
            Source = source;
            Error = error;
        }

        public ImageSource? Source { get; }
        public ErrorRecord? Error { get; }
    }
}
