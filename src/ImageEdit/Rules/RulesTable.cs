using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ImageEdit.Requests;

namespace ImageEdit.Rules
{
    /// <summary>
    /// The request fields and the model rules as plain-text tables, for about_ImageEdit: generated at build time from the
    /// same descriptions and table the checks use, so the help cannot drift from what the module does.
    /// </summary>
    internal static class RulesTable
    {
        public static string Render()
        {
            var fields = new List<string[]> { new[] { "Parameter", "Field", "Values or range", "Body", "Models" } };
            foreach (var field in RequestFields.All)
            {
                string values = field.Kind == FieldKind.Integer ? (field.Maximum == int.MaxValue ? $"{field.Minimum} or more" : $"{field.Minimum} to {field.Maximum}")
                    : field.Values.Count > 0 ? string.Join(", ", field.Values) : "text";
                if (field.WireName == "size") values += ", or WIDTHxHEIGHT (gpt-image-2 and later)";
                string bodies = field.Bodies == BodyForms.Both ? "both" : field.Bodies == BodyForms.Json ? "JSON" : "multipart";
                string takenBy = TakenBy(field.WireName, field.GptImageOnly);
                if (field.Description.StreamingOnly) takenBy += " (streams)";
                fields.Add(new[] { "-" + field.ParameterName, field.WireName, values, bodies, takenBy });
            }
            // The images that go with the edited one: not fields of the table, but sent under their own names.
            fields.Add(new[] { "-Mask, -MaskUrl, -MaskFileId", "mask", "PNG, size of the image", "both", TakenBy("mask", gptImageOnly: false) });
            fields.Add(new[] { "-Markup, -MarkupUrl, -MarkupFileId", "markup", "PNG, size of the image", "both", TakenBy("markup", gptImageOnly: false) });

            var models = new List<string[]> { new[] { "Model", "Images", "Quality", "Output", "Sizes", "JSON body", "Shuts down", "Use instead" } };
            foreach (var model in ModelCatalog.All)
            {
                models.Add(new[]
                {
                    model.Name,
                    model.MaxImages == 1 ? "1 square PNG < 4 MB" : $"up to {model.MaxImages} < {model.MaxImageBytes / 1024 / 1024} MB",
                    string.Join(", ", model.ValuesFor("quality") ?? RequestFields.Wire("quality").Values),
                    model.IsGptImageModel ? string.Join(", ", model.ValuesFor("output_format") ?? RequestFields.Wire("output_format").Values) : "png",
                    string.Join(", ", model.Sizes) + (model.FlexibleSizes is null ? "" : ", custom"),
                    model.SupportsJson ? "yes" : "no",
                    model.ShutdownDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "-",
                    model.Replacement ?? "-",
                });
            }
            return "    Request fields:\n" + Table(fields) + "\n\n    Models:\n" + Table(models);
        }

        /// <summary>Which models of the table take a field (by wire name): all, the few that do, or the GPT image models but those that refuse it.</summary>
        private static string TakenBy(string wireName, bool gptImageOnly)
        {
            var takers = ModelCatalog.All.Where(m => !m.UnsupportedFields.Contains(wireName) && (!gptImageOnly || m.IsGptImageModel)).ToList();
            var gptRefusing = ModelCatalog.All.Where(m => m.IsGptImageModel && !takers.Contains(m)).Select(m => m.Name).ToList();
            return takers.Count == ModelCatalog.All.Count ? "all"
                : takers.All(m => !m.IsGptImageModel) || takers.Count <= gptRefusing.Count ? string.Join(", ", takers.Select(m => m.Name))
                : "GPT image" + (gptRefusing.Count > 0 ? " except " + string.Join(", ", gptRefusing) : "");
        }

        /// <summary>Columns padded to their widest cell, each line indented (so the help keeps it as it is).</summary>
        private static string Table(List<string[]> rows)
        {
            int columns = rows[0].Length;
            var widths = Enumerable.Range(0, columns).Select(c => rows.Max(r => r[c].Length)).ToArray();
            return string.Join("\n", rows.Select(r => "      " + string.Join("  ", r.Select((cell, c) => c == columns - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd()));
        }
    }
}
