using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using ImageEdit.Http;
using ImageEdit.Images;
using ImageEdit.Requests;
using System.Linq;

namespace ImageEdit.Rules
{
    /// <summary>
    /// Checks a request against the rules table and the files' headers before a byte is sent, so that a request the
    /// API would refuse costs nothing: the prompt, the images and mask, each field, what the JSON body refuses, the
    /// Azure deployment, and the model's lifecycle. The first broken rule becomes a <see cref="LocalCheckException"/>
    /// whose message names the rule and the fix.
    /// </summary>
    internal sealed class RequestValidator
    {
        private readonly ImageChecks _images;
        private readonly ApiConnection? _connection;
        private readonly Func<DateTime> _today;
        private readonly ApiShutdownDates? _apiShutdownDates;

        /// <param name="probes">The header probe, shared across a command's requests.</param>
        /// <param name="connection">Where requests go (for the Azure deployment rule); null skips it.</param>
        /// <param name="today">The clock the lifecycle warnings read; <see cref="ModelLifecycle.Today"/> by default.</param>
        /// <param name="apiShutdownDates">The API's model list, read once when the first request naming a model passes its checks; null: the table's dates alone.</param>
        public RequestValidator(ImageProbeCache probes, ApiConnection? connection = null, Func<DateTime>? today = null, ApiShutdownDates? apiShutdownDates = null)
        {
            _images = new ImageChecks(probes);
            _connection = connection;
            _today = today ?? ModelLifecycle.Today;
            _apiShutdownDates = apiShutdownDates;
        }

        public ValidationResult Validate(ImageEditRequest request)
        {
            var result = new ValidationResult();
            var model = ModelCatalog.RulesFor(request.Model);
            if (model is null)
            {
                string unknown = $"The model '{request.Model}' is not in ImageEdit's rules table; it is sent as given, with only the checks that hold for every model.";
                // On Azure the model field often names a deployment, which no table knows.
                if (_connection?.ApiType == ApiType.Azure)
                {
                    result.Notes.Add(unknown);
                }
                else
                {
                    result.Warnings.Add(unknown + " If it is a typo, the API refuses it; Get-ImageEditModel lists the models your key can use.");
                }
            }
            try
            {
                CheckDeployment(request);
                CheckPrompt(request, model);
                _images.CheckImages(request, model);
                _images.CheckMask(request, result);
                _images.CheckMarkup(request, model, result);
                JsonBodyChecks.Check(request, model);
                FieldChecks.Check(request, model, result);
                AnimationChecks.Check(request);
            }
            catch (LocalCheckException ex)
            {
                result.Error = ex;
                return result;
            }
            // OpenAI's shutdown dates are not Azure's: Azure deployments retire on their own schedule.
            if (_connection?.ApiType != ApiType.Azure && request.Model is { } modelName
                && ModelLifecycle.Warning(modelName, model, _apiShutdownDates?.Get(result.Notes), _today()) is { } warning)
            {
                result.Warnings.Add(warning);
            }
            return result;
        }

        private void CheckDeployment(ImageEditRequest request)
        {
            if (_connection?.ApiType == ApiType.Azure && _connection.DeploymentFor(request.Model) is null)
            {
                throw Refusal.Argument("MissingDeployment", request.SourcePath,
                    "An Azure OpenAI request needs a deployment, and neither -Deployment nor -Model names one.",
                    "Pass -Deployment <your deployment name>, or set $env:AZURE_OPENAI_DEPLOYMENT.");
            }
        }

        private static void CheckPrompt(ImageEditRequest request, ModelRules? model)
        {
            if (string.IsNullOrWhiteSpace(request.Prompt))
            {
                throw Refusal.Argument("PromptEmpty", request.SourcePath, "The prompt is blank; say what the edit should do.", "Pass -Prompt with a description of the edit.");
            }
            int limit = model?.MaxPromptLength ?? ModelCatalog.MaxPromptLengthAnyModel;
            if (request.Prompt.Length > limit)
            {
                throw Refusal.Argument("PromptTooLong", request.SourcePath,
                    $"The prompt is {request.Prompt.Length} characters long; {model?.Label ?? "the API"} takes at most {limit}.", $"Shorten the prompt to {limit} characters or fewer.");
            }
        }
    }

    /// <summary>What the checks found: the first broken rule, warnings, and notes for Verbose.</summary>
    internal sealed class ValidationResult
    {
        public LocalCheckException? Error { get; set; }
        public List<string> Warnings { get; } = new List<string>();
        public List<string> Notes { get; } = new List<string>();
    }
}
