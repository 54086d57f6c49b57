using Xunit.Abstractions;

namespace ImageEdit.Tests.Layout;

/// <summary>
/// The HTTP core is a leaf (it names nothing of ImageEdit outside ImageEdit.Http), and the files of Http, Output and
/// Operations are short enough to read (issue 22).
/// </summary>
public class FolderShapeTests
{
    private const int MaximumLines = 400;
    private readonly ITestOutputHelper _output;

    public FolderShapeTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Http_names_nothing_of_ImageEdit_outside_it()
    {
        var uses = FolderGraph.Current.AllUses.Where(u => u.From == "Http" && u.To != "Http").ToList();
        Assert.True(uses.Count == 0, "Http uses other folders of ImageEdit: " +
            string.Join("; ", uses.Select(u => $"{u.Where} names {u.Name} ({u.To})")));
    }

    // Commands joins this list once ImageEditCommandBase is split; then every folder is checked.
    [Theory]
    [InlineData("Http")]
    [InlineData("Output")]
    [InlineData("Operations")]
    public void No_source_file_is_over_400_lines(string folder)
    {
        var files = Directory.GetFiles(Path.Combine(FolderGraph.SourceRoot, folder), "*.cs", SearchOption.AllDirectories)
            .Select(path => (Path: Path.GetRelativePath(FolderGraph.SourceRoot, path), Lines: File.ReadLines(path).Count()))
            .ToList();
        foreach (var file in files.OrderByDescending(f => f.Lines).Take(3))
        {
            _output.WriteLine($"{file.Path}: {file.Lines} lines");
        }
        var tooLong = files.Where(f => f.Lines > MaximumLines).ToList();
        Assert.True(tooLong.Count == 0, $"Over {MaximumLines} lines: " + string.Join(", ", tooLong.Select(f => $"{f.Path} ({f.Lines})")));
    }
}
