using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using ImageEdit.Requests;
using ImageEdit.Rules;

namespace ImageEdit.Commands
{
    /// <summary>Tab completion for -Model from the rules table; any other name is still accepted, since new models appear often.</summary>
    internal sealed class ModelCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) =>
            // Models still served first, retired ones last, each with its date in the tooltip.
            Completions.Matching(ModelCatalog.All.Where(m => m.SupportsStreaming || !string.Equals(commandName, "Get-ImageEditStream", StringComparison.OrdinalIgnoreCase))
                .OrderBy(m => m.ShutdownDate is DateTime d && d <= ModelLifecycle.Today()).Select(m => m.Name), wordToComplete,
                name => ModelTooltip(ModelCatalog.Find(name)!));

        private static string ModelTooltip(ModelRules model)
        {
            if (model.ShutdownDate is not DateTime shutdown)
            {
                return model.Name;
            }
            return shutdown <= ModelLifecycle.Today()
                ? $"{model.Name} (retired: OpenAI shut it down on {shutdown:yyyy-MM-dd}; use {model.Replacement})"
                : $"{model.Name} (OpenAI shuts it down on {shutdown:yyyy-MM-dd}; use {model.Replacement})";
        }
    }

    /// <summary>Tab completion for -Size: the sizes the chosen -Model accepts (the default model's when none is given).</summary>
    internal sealed class SizeCompleter : IArgumentCompleter
    {
        private static readonly string[] JsonParameters = { "ImageUrl", "FileId", "ReferenceUrl", "ReferenceFileId", "MaskUrl", "MaskFileId", "MarkupUrl", "MarkupFileId", "Moderation" };

        /// <summary>Common WIDTHxHEIGHT sizes offered for models that take any size within their limits.</summary>
        private static readonly string[] FlexibleExamples = { "1536x864", "864x1536", "2048x1152", "1152x2048", "2560x1440", "1440x2560", "3840x2160", "2160x3840" };

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var rules = ModelCatalog.RulesFor(fakeBoundParameters?["Model"] as string);
            if (fakeBoundParameters != null && JsonParameters.Any(fakeBoundParameters.Contains))
            {
                // The JSON body takes only its enum of sizes.
                return Completions.Matching(RequestFields.Wire("size").JsonValues, wordToComplete, size => size);
            }
            var sizes = rules is null
                ? ModelCatalog.All.SelectMany(m => m.Sizes).Distinct()
                : rules.Sizes.Concat(rules.FlexibleSizes is null ? Enumerable.Empty<string>() : FlexibleExamples);
            return Completions.Matching(sizes, wordToComplete, size => size);
        }
    }

    /// <summary>
    /// Tab completion for a choice field (-Quality, -Background...): the values the chosen -Model takes, or every value the
    /// field knows when no model or an unknown one is given. Values a new model takes are sent as given.
    /// </summary>
    internal sealed class FieldValueCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var field = RequestFields.ForParameter(parameterName);
            if (field is null)
            {
                return Enumerable.Empty<CompletionResult>();
            }
            var rules = ModelCatalog.RulesFor(fakeBoundParameters?["Model"] as string);
            if (rules != null && (rules.UnsupportedFields.Contains(field.WireName) || (field.GptImageOnly && !rules.IsGptImageModel)))
            {
                return Enumerable.Empty<CompletionResult>();
            }
            var values = rules is null ? field.Values : rules.ValuesFor(field.WireName) ?? field.Values;
            return Completions.Matching(values, wordToComplete, value => value);
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
