using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using ImageEdit.Rules;

namespace ImageEdit.Commands
{
    /// <summary>Tab completion for -Model from the rules table; any other name is still accepted, since new models appear often.</summary>
    public sealed class ModelCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) =>
            Completions.Matching(ModelCatalog.All.Select(m => m.Name), wordToComplete,
                name => name == ModelCatalog.DefaultModel ? name + " (the API's default)" : name);
    }

    /// <summary>Tab completion for -Size: the sizes the chosen -Model accepts (the default model's when none is given).</summary>
    public sealed class SizeCompleter : IArgumentCompleter
    {
        /// <summary>Common WIDTHxHEIGHT sizes offered for models that take any size within their limits.</summary>
        private static readonly string[] FlexibleExamples = { "1536x864", "864x1536", "2048x1152", "1152x2048", "2560x1440", "1440x2560", "3840x2160", "2160x3840" };

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string? model = fakeBoundParameters?["Model"] as string;
            var rules = ModelCatalog.Find(model);
            var sizes = rules is null
                ? ModelCatalog.All.SelectMany(m => m.Sizes).Distinct()
                : rules.Sizes.Concat(rules.FlexibleSizes is null ? Enumerable.Empty<string>() : FlexibleExamples);
            return Completions.Matching(sizes, wordToComplete, size => size);
        }
    }

    internal static class Completions
    {
        public static IEnumerable<CompletionResult> Matching(IEnumerable<string> values, string wordToComplete, Func<string, string> tooltip)
        {
            string prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            return values
                .Where(v => v.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(v => new CompletionResult(v, v, CompletionResultType.ParameterValue, tooltip(v)))
                .ToList();
        }
    }
}
