namespace ImageEdit.Output
{
    /// <summary>A saved image's name before its extension: the source's stem, then what this image is (-edited, -edited-2, -partial-0).</summary>
    internal readonly struct OutputName
    {
        public OutputName(string stem, string suffix)
        {
            Stem = stem;
            Suffix = suffix;
        }

        public string Stem { get; }

        /// <summary>Kept whole when a long name has to be shortened: it tells the images of one source apart.</summary>
        public string Suffix { get; }

        public override string ToString() => Stem + Suffix;
    }

    /// <summary>How saved images are named after their source: cat.png gives cat-edited.png, or cat-edited-1.png... for several.</summary>
    internal static class OutputNames
    {
        public static OutputName Edited(string stem, int index, int count) =>
            new OutputName(stem, "-edited" + (count > 1 ? "-" + (index + 1) : ""));

        public static OutputName Partial(string stem, int partialIndex) => new OutputName(stem, "-partial-" + partialIndex);

        /// <summary>The name an image gets while its kind is not yet known (a streamed event being read).</summary>
        public static OutputName Pending => new OutputName("image", "");
    }
}
