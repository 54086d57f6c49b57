using System;
using System.Linq;
using System.Text.RegularExpressions;
using ImageEdit.Http;
using ImageEdit.Models;
using ImageEdit.Requests;
using ImageEdit.Rules;

namespace ImageEdit.Operations
{
    /// <summary>
    /// Advice for an API error of an edit that names what the API named: a model the rules table knows is retired (its
    /// replacement), a model the API does not serve (-Model and Get-ImageEditModel, also when no -Model was given and the
    /// API's own default is the one gone), or a file ID it has no file for (Add-ImageEditFile). Null when the error names
    /// none of these, so that the status's general advice stands.
    /// </summary>
    internal static class EditErrorAdvice
    {
        private static readonly Regex FileIdInMessage = new Regex(@"\bfile-[A-Za-z0-9_-]+", RegexOptions.CultureInvariant);
        private static readonly Regex ModelInMessage = new Regex(@"model [`'""]([^`'""]+)[`'""]", RegexOptions.CultureInvariant);

        public static string? For(ApiException error, ImageEditRequest request) =>
            (request.Model is null ? null : ModelLifecycle.AdviceFor(error, request.Model, ModelLifecycle.Today()))
            ?? ForMissingFile(error, request)
            ?? ForMissingModel(error, request);

        /// <summary>The API has no file by an ID the request names (deleted, expired, or another project's).</summary>
        private static string? ForMissingFile(ApiException error, ImageEditRequest request)
        {
            bool aboutFile = error.ApiMessage.IndexOf("No such File object", StringComparison.OrdinalIgnoreCase) >= 0
                || string.Equals(error.Code, "file_not_found", StringComparison.OrdinalIgnoreCase)
                || ((int)error.StatusCode == 404 && error.Param != null && error.Param.EndsWith("file_id", StringComparison.OrdinalIgnoreCase));
            if (!aboutFile)
            {
                return null;
            }
            var requested = request.AllImages
                .Where(i => i.Kind == ImageSourceKind.FileId).Select(i => i.Value).ToList();
            string? named = FileIdInMessage.Matches(error.ApiMessage).Cast<Match>().Select(m => m.Value).FirstOrDefault(requested.Contains)
                ?? (requested.Count == 1 ? requested[0] : null);
            string which = named is null ? "a file ID this request names" : $"the file {named}";
            return $"The API has no file for {which} (deleted, expired, or uploaded with another key, organization or project): " +
                "upload the image again with Add-ImageEditFile and edit it by the new FileId.";
        }

        /// <summary>The API does not serve the model: the one given, or its own default when no -Model was given.</summary>
        private static string? ForMissingModel(ApiException error, ImageEditRequest request)
        {
            bool aboutModel = string.Equals(error.Code, "model_not_found", StringComparison.OrdinalIgnoreCase)
                || ((int)error.StatusCode == 404 && string.Equals(error.Param, "model", StringComparison.OrdinalIgnoreCase));
            if (!aboutModel)
            {
                return null;
            }
            if (request.Model != null)
            {
                return $"The API does not serve -Model {request.Model} to this key: pass a model that Get-ImageEditModel lists.";
            }
            var match = ModelInMessage.Match(error.ApiMessage);
            string? used = match.Success ? match.Groups[1].Value : null;
            string? replacement = used is null ? null : ModelCatalog.Find(used)?.Replacement;
            return $"No -Model was given, so the API used its default model{(used is null ? "" : ", " + used + ",")} which it does not serve (any more): " +
                $"pass -Model{(replacement is null ? "" : " (e.g. -Model " + replacement + ", its replacement)")}; Get-ImageEditModel lists the models this key can use.";
        }
    }
}
