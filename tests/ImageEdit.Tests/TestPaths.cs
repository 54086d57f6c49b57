namespace ImageEdit.Tests;

/// <summary>Locations in the repository, found by walking up to the folder that holds ImageEdit.psd1.</summary>
internal static class TestPaths
{
    public static readonly string Root = FindRoot();
    public static string Samples => Path.Combine(Root, "samples");
    public static string PngSuite => Path.Combine(Root, "tests", "corpus", "pngsuite");

    public static string NewTempFolder()
    {
        string folder = Path.Combine(Path.GetTempPath(), "imageedit-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ImageEdit.psd1"))) return dir.FullName;
        }
        throw new InvalidOperationException("Cannot find the repository root (ImageEdit.psd1) above " + AppContext.BaseDirectory);
    }
}
