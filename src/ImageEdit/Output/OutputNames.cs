using System.IO;

namespace ImageEdit.Output
{
    /// <summary>How saved images are named after their source file: cat.png gives cat-edited.png, or cat-edited-1.png... for several.</summary>
    internal static class OutputNames
    {
        public static string Edited(string sourcePath, int index, int count) =>
            Stem(sourcePath) + "-edited" + (count > 1 ? "-" + (index + 1) : "");

        public static string Partial(string sourcePath, int partialIndex) => Stem(sourcePath) + "-partial-" + partialIndex;

        private static string Stem(string sourcePath) => Path.GetFileNameWithoutExtension(sourcePath);
    }
}
