using Xunit.Abstractions;

namespace ImageEdit.Tests.Layout;

/// <summary>The shape of src/ImageEdit: folders used in one direction only, and files short enough to read.</summary>
public class LayoutTests
{
    private readonly ITestOutputHelper _output;

    public LayoutTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void NoFolderDependsOnItselfThroughOthers()
    {
        var graph = FolderGraph.Current;
        _output.WriteLine(graph.Describe());
        var cycles = graph.Cycles();
        Assert.True(cycles.Count == 0,
            "Folders in a dependency cycle: " + string.Join("; ", cycles.Select(c => string.Join(", ", c))) + Environment.NewLine +
            graph.Describe());
    }
}
