using System;
using System.Collections.Generic;
using System.Globalization;
using ImageEdit.Http;

namespace ImageEdit.Rules
{
    /// <summary>
    /// What the API's model list (its shutdown_date) and, failing it, the rules table know of a model's retirement, told
    /// to the user: from 90 days before OpenAI shuts a model
    /// down, its requests warn with the date and the replacement; after it, they warn that OpenAI no longer serves it
    /// (and are still sent: Azure, gateways or a later date may still serve it; a refusal costs nothing). When the API
    /// then refuses it, the error's advice names the replacement.
    /// </summary>
    internal static class ModelLifecycle
    {
        public const int WarningDays = 90;

        /// <summary>
        /// Today's date for the lifecycle: the machine's, or the date in $env:IMAGEEDIT_TODAY (yyyy-MM-dd), which lets a
        /// rehearsal or a test see the warnings of another day.
        /// </summary>
        public static DateTime Today()
        {
            string? overridden = Environment.GetEnvironmentVariable("IMAGEEDIT_TODAY");
            return overridden != null && DateTime.TryParseExact(overridden.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                ? date
                : DateTime.Today;
        }

        /// <summary>Why $env:IMAGEEDIT_TODAY is ignored, when it is set but is not a yyyy-MM-dd date; else null.</summary>
        public static string? TodayOverrideProblem()
        {
            string? overridden = Environment.GetEnvironmentVariable("IMAGEEDIT_TODAY");
            return string.IsNullOrWhiteSpace(overridden) || DateTime.TryParseExact(overridden!.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
                ? null
                : $"$env:IMAGEEDIT_TODAY is '{overridden}', not a yyyy-MM-dd date, so the model lifecycle uses today's date.";
        }

        /// <summary>The warning for a request to <paramref name="model"/> on <paramref name="today"/>, from the table's dates alone, or null.</summary>
        public static string? Warning(ModelRules? model, DateTime today) =>
            model is null || model.Name.Length == 0 ? null : Warning(model.Name, model, null, today);

        /// <summary>
        /// The warning for a request to <paramref name="modelName"/> on <paramref name="today"/>, or null. The date the
        /// API's model list gives wins (a null there too: no shutdown announced); a model the list does not have (the API
        /// stops listing what it no longer serves), or no list, falls back to the rules table's date.
        /// </summary>
        /// <param name="modelName">The model the request names.</param>
        /// <param name="model">Its rules, or null when the table does not know it.</param>
        /// <param name="listed">Shutdown dates by model ID from GET /models, or null when there is no list.</param>
        /// <param name="today">Today's date.</param>
        public static string? Warning(string modelName, ModelRules? model, IReadOnlyDictionary<string, DateTime?>? listed, DateTime today)
        {
            DateTime? shutdownDate = listed != null && listed.TryGetValue(modelName, out var apiDate) ? apiDate : model?.ShutdownDate;
            if (shutdownDate is not DateTime shutdown)
            {
                return null;
            }
            string name = model?.Name ?? modelName;
            string date = shutdown.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            string instead = model?.Replacement is { } replacement ? $"-Model {replacement}" : "a model OpenAI still serves (Get-ImageEditModel lists the models your key can use)";
            if (today.Date >= shutdown)
            {
                return $"OpenAI shut {name} down on {date} and no longer serves it; the request is sent anyway (Azure deployments and compatible gateways may still). Use {instead}.";
            }
            int days = (int)(shutdown - today.Date).TotalDays;
            return days <= WarningDays
                ? $"OpenAI shuts {name} down on {date} ({days} day{(days == 1 ? "" : "s")} from now). Move to {instead}."
                : null;
        }

        /// <summary>
        /// Advice for an API error that refuses a model the table knows is retiring or retired (whatever today's date: the
        /// API may stop serving it before its announced day), or null.
        /// </summary>
        public static string? AdviceFor(ApiException error, string? modelName, DateTime today)
        {
            var model = ModelCatalog.Find(modelName);
            if (model?.ShutdownDate is not DateTime shutdown || model.Replacement is null)
            {
                return null;
            }
            bool aboutModel = error.Code == "model_not_found" || string.Equals(error.Param, "model", StringComparison.OrdinalIgnoreCase)
                || (int)error.StatusCode == 404 || error.ApiMessage.IndexOf(model.Name, StringComparison.OrdinalIgnoreCase) >= 0;
            string date = shutdown.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            return !aboutModel ? null
                : today.Date >= shutdown ? $"OpenAI shut {model.Name} down on {date}: use -Model {model.Replacement} instead."
                : $"OpenAI retires {model.Name} on {date} and this API no longer serves it: use -Model {model.Replacement} instead.";
        }
    }
}
