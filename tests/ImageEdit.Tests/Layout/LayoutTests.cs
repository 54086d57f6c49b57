using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace ImageEdit.Tests.Layout;

/// <summary>
/// The shape of src/ImageEdit that docs/ARCHITECTURE.md draws: folders used in one direction only, each using only the
/// folders its row lists, and files short enough to read.
/// </summary>
public class LayoutTests
{
    private const int MostLinesPerFile = 400;
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

    [Fact]
    public void EveryFolderUsesOnlyWhatTheArchitecturePageAllows()
    {
        var allowed = ArchitecturePage.MayUse();
        var graph = FolderGraph.Current;
        var unlisted = graph.Folders.Where(f => f != "(root)" && !allowed.ContainsKey(f)).ToList();
        Assert.True(unlisted.Count == 0, "Folders with no row in docs/ARCHITECTURE.md: " + string.Join(", ", unlisted));
        var forbidden = graph.AllUses
            .Where(u => !allowed.TryGetValue(u.From, out var uses) || !(uses == null || uses.Contains(u.To)))
            .GroupBy(u => (u.From, u.To))
            .Select(g => $"{g.Key.From} uses {g.Key.To}, which its row does not list (first at {g.First().Where}, {g.First().Name})")
            .ToList();
        Assert.True(forbidden.Count == 0, string.Join(Environment.NewLine, forbidden));
    }

    [Fact]
    public void TheArchitecturePageDrawsNoCycle()
    {
        var allowed = ArchitecturePage.MayUse();
        // Every "May use" must name folders that exist and sit lower, so that the page itself reads one way.
        var order = allowed.Keys.ToList();
        foreach (var (folder, uses) in allowed)
        {
            if (uses == null) continue;
            foreach (var used in uses)
            {
                Assert.True(allowed.ContainsKey(used), $"{folder} may use '{used}', which has no row.");
                Assert.True(order.IndexOf(used) < order.IndexOf(folder), $"{folder} may use {used}, which sits above it on the page.");
            }
        }
    }

    [Fact]
    public void NoSourceFileIsLongerThanItCanBeRead()
    {
        var folders = new[] { "src", "tests", "bench", "tools" }.Select(f => Path.Combine(TestPaths.Root, f)).Where(Directory.Exists);
        var tooLong = folders
            .SelectMany(f => Directory.EnumerateFiles(f, "*", SearchOption.AllDirectories))
            .Where(p => p.EndsWith(".cs") || p.EndsWith(".ps1") || p.EndsWith(".psm1"))
            .Where(p => !Regex.IsMatch(p.Replace('\\', '/'), "/(bin|obj)/"))
            .Select(p => (Path: Path.GetRelativePath(TestPaths.Root, p), Lines: File.ReadLines(p).Count()))
            .Where(f => f.Lines > MostLinesPerFile)
            .Select(f => $"{f.Path}: {f.Lines} lines")
            .ToList();
        Assert.True(tooLong.Count == 0, $"Files over {MostLinesPerFile} lines: " + string.Join(", ", tooLong));
    }
}

/// <summary>The table of docs/ARCHITECTURE.md: each folder's row, bottom to top, and the folders it may use.</summary>
internal static class ArchitecturePage
{
    public static string PathOnDisk => Path.Combine(TestPaths.Root, "docs", "ARCHITECTURE.md");

    /// <summary>Folder -> the folders it may use, in the page's order; null for "every folder".</summary>
    public static Dictionary<string, HashSet<string>?> MayUse()
    {
        var rows = new Dictionary<string, HashSet<string>?>(StringComparer.Ordinal);
        foreach (string line in File.ReadLines(PathOnDisk))
        {
            var cells = line.Split('|').Select(c => c.Trim()).ToArray();
            // | Folder | Owns | May use |
            if (cells.Length != 5 || cells[1] == "Folder" || cells[1].StartsWith("---") || !Regex.IsMatch(cells[1], "^[A-Z][A-Za-z]+$")) continue;
            string uses = cells[3];
            rows[cells[1]] = uses == "every folder" ? null
                : uses == "(nothing)" ? new HashSet<string>(StringComparer.Ordinal)
                : new HashSet<string>(uses.Split(',').Select(u => u.Trim()), StringComparer.Ordinal);
        }
        Assert.True(rows.Count > 0, "docs/ARCHITECTURE.md has no folder table.");
        return rows;
    }
}
