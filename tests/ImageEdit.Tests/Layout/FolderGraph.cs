using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ImageEdit.Tests.Layout;

/// <summary>
/// Which folder of src/ImageEdit uses which, read from the source files alone: every name written in a file that binds
/// to a type or member of another folder's namespace (ImageEdit.Http, ImageEdit.Rules, ...) is one use of that folder.
/// </summary>
internal sealed class FolderGraph
{
    public static readonly string SourceRoot = Path.Combine(TestPaths.Root, "src", "ImageEdit");

    private static readonly Lazy<FolderGraph> Built = new(Build);

    public static FolderGraph Current => Built.Value;

    /// <summary>From folder, to folder: one example of the use ("Requests/RequestFields.cs:12 names EditImageCommand").</summary>
    public SortedDictionary<string, SortedDictionary<string, string>> Uses { get; } = new(StringComparer.Ordinal);

    public SortedSet<string> Folders { get; } = new(StringComparer.Ordinal);

    /// <summary>Every use: from folder, to folder, the file and line, and the name used.</summary>
    public List<(string From, string To, string Where, string Name)> AllUses { get; } = new();

    private static FolderGraph Build()
    {
        var files = Directory.EnumerateFiles(SourceRoot, "*.cs", SearchOption.AllDirectories)
            .Where(path => !IsBuildOutput(path))
            .OrderBy(path => path, StringComparer.Ordinal)
            .ToList();
        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = files.Select(path => CSharpSyntaxTree.ParseText(File.ReadAllText(path), parseOptions, path)).ToList();
        var compilation = CSharpCompilation.Create("ImageEditLayout", trees, PlatformReferences(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        var graph = new FolderGraph();
        foreach (var tree in trees)
        {
            string from = FolderOf(tree.FilePath);
            graph.Folders.Add(from);
            var model = compilation.GetSemanticModel(tree);
            foreach (var node in tree.GetRoot().DescendantNodes())
            {
                if (node is UsingDirectiveSyntax { Name: { } imported } && imported.ToString() is var ns && ns.StartsWith("ImageEdit.", StringComparison.Ordinal))
                {
                    // A using of a folder is a use of it, even one no name needs any more: it tells the reader there is one.
                    string usedFolder = ns.Substring("ImageEdit.".Length).Split('.')[0];
                    if (usedFolder != from) graph.Add(from, usedFolder, tree, imported, "using " + ns);
                    continue;
                }
                if (node is not SimpleNameSyntax name) continue;
                var symbol = model.GetSymbolInfo(name).Symbol ?? model.GetSymbolInfo(name).CandidateSymbols.FirstOrDefault();
                string? to = FolderOfSymbol(symbol);
                if (to == null || to == from) continue;
                graph.Add(from, to, tree, name, symbol!.ContainingType?.Name + "." + symbol.Name);
            }
        }
        return graph;
    }

    private void Add(string from, string to, SyntaxTree tree, SyntaxNode node, string name)
    {
        int line = node.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
        string where = $"{Relative(tree.FilePath)}:{line}";
        AllUses.Add((from, to, where, name));
        if (!Uses.TryGetValue(from, out var targets)) Uses[from] = targets = new(StringComparer.Ordinal);
        if (!targets.ContainsKey(to)) targets[to] = $"{where} {name}";
    }

    /// <summary>The folders that sit in a cycle, each cycle as its folders in order (A -> B -> ... -> A).</summary>
    public List<List<string>> Cycles()
    {
        // Tarjan's strongly connected components; any component with more than one folder holds a cycle.
        int index = 0;
        var indexOf = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var components = new List<List<string>>();

        void Visit(string folder)
        {
            indexOf[folder] = low[folder] = index++;
            stack.Push(folder);
            onStack.Add(folder);
            foreach (var next in Targets(folder))
            {
                if (!indexOf.ContainsKey(next)) { Visit(next); low[folder] = Math.Min(low[folder], low[next]); }
                else if (onStack.Contains(next)) low[folder] = Math.Min(low[folder], indexOf[next]);
            }
            if (low[folder] != indexOf[folder]) return;
            var component = new List<string>();
            string member;
            do { member = stack.Pop(); onStack.Remove(member); component.Add(member); } while (member != folder);
            if (component.Count > 1) components.Add(component.OrderBy(f => f, StringComparer.Ordinal).ToList());
        }

        foreach (var folder in Folders.Concat(Uses.Keys).Distinct()) if (!indexOf.ContainsKey(folder)) Visit(folder);
        return components;
    }

    public IEnumerable<string> Targets(string folder) =>
        Uses.TryGetValue(folder, out var targets) ? targets.Keys : Enumerable.Empty<string>();

    public string Describe() =>
        string.Join(Environment.NewLine, Uses.SelectMany(from => from.Value.Select(to => $"{from.Key} -> {to.Key}   ({to.Value})")));

    private static string? FolderOfSymbol(ISymbol? symbol)
    {
        if (symbol == null || symbol is INamespaceSymbol) return null;
        if (symbol is IMethodSymbol { ReducedFrom: { } reduced }) symbol = reduced;
        var type = symbol as INamedTypeSymbol ?? symbol.ContainingType;
        if (type == null) return null;
        while (type.ContainingType != null) type = type.ContainingType;
        if (type.Locations.All(l => !l.IsInSource)) return null;
        string ns = type.ContainingNamespace.ToDisplayString();
        if (!ns.StartsWith("ImageEdit", StringComparison.Ordinal)) return null;
        return ns == "ImageEdit" ? "(root)" : ns.Substring("ImageEdit.".Length).Split('.')[0];
    }

    private static string FolderOf(string path)
    {
        string relative = Path.GetRelativePath(SourceRoot, path);
        int slash = relative.IndexOfAny(new[] { '/', '\\' });
        return slash < 0 ? "(root)" : relative.Substring(0, slash);
    }

    private static string Relative(string path) => Path.GetRelativePath(SourceRoot, path).Replace('\\', '/');

    private static bool IsBuildOutput(string path)
    {
        string relative = Relative(path);
        return relative.StartsWith("bin/", StringComparison.Ordinal) || relative.StartsWith("obj/", StringComparison.Ordinal);
    }

    private static IEnumerable<MetadataReference> PlatformReferences()
    {
        // The running platform's assemblies stand in for netstandard2.0 and PowerShellStandard: only the module's own
        // names matter here, and those bind from the source trees. The module's own built assembly is left out.
        string platform = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        var paths = platform.Split(Path.PathSeparator)
            .Concat(Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll"))
            .Where(p => !Path.GetFileName(p).StartsWith("ImageEdit", StringComparison.OrdinalIgnoreCase))
            .GroupBy(p => Path.GetFileName(p), StringComparer.OrdinalIgnoreCase)
            .Select(g => g.First());
        foreach (var path in paths)
        {
            MetadataReference? reference = null;
            try { reference = MetadataReference.CreateFromFile(path); } catch (BadImageFormatException) { }
            if (reference != null) yield return reference;
        }
    }
}
