using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;

namespace ImageEdit.Pricing
{
    /// <summary>What one model costs, in USD per 1 million tokens.</summary>
    public sealed class ModelPrice
    {
        public ModelPrice(decimal textInput, decimal cachedTextInput, decimal imageInput, decimal cachedImageInput, decimal imageOutput)
        {
            TextInput = textInput;
            CachedTextInput = cachedTextInput;
            ImageInput = imageInput;
            CachedImageInput = cachedImageInput;
            ImageOutput = imageOutput;
        }

        public decimal TextInput { get; }
        public decimal CachedTextInput { get; }
        public decimal ImageInput { get; }
        public decimal CachedImageInput { get; }
        public decimal ImageOutput { get; }

        /// <summary>USD per 1M tokens: text input (cached), image input (cached), image output.</summary>
        public override string ToString() => string.Format(CultureInfo.InvariantCulture, "text ${0} (${1}), image ${2} (${3}), out ${4}",
            TextInput, CachedTextInput, ImageInput, CachedImageInput, ImageOutput);
    }

    /// <summary>
    /// The one table of token prices per model, with the date it was read from OpenAI's model pages. A price file named by
    /// $env:IMAGEEDIT_PRICE_FILE replaces or adds models (a contract's prices, a new model) and gives its own date.
    /// </summary>
    public sealed class PriceTable
    {
        /// <summary>The environment variable that names a JSON price file (see README, "Costs and budgets").</summary>
        public const string FileVariable = "IMAGEEDIT_PRICE_FILE";

        /// <summary>The date of the built-in prices (OpenAI's model pages for gpt-image-2, 2.5 and 2.6).</summary>
        public static readonly DateTime BuiltInDate = new DateTime(2026, 12, 1);

        private static readonly ModelPrice Image2Family = new ModelPrice(5m, 1.25m, 8m, 2m, 30m);

        private static readonly string[] BuiltInModels =
        {
            "gpt-image-2", "gpt-image-2-2026-04-21",
            "gpt-image-2.5-sunburst", "gpt-image-2.5-sunburst-2026-09-08", "gpt-image-2.5-flare", "gpt-image-2.5-flare-2026-09-08",
            "gpt-image-2.6-sunburst", "gpt-image-2.6-flare",
        };

        private readonly Dictionary<string, ModelPrice> _prices;

        private PriceTable(DateTime date, Dictionary<string, ModelPrice> prices, string? source)
        {
            Date = date;
            _prices = prices;
            Source = source;
        }

        /// <summary>The date the prices are from: the built-in table's, or the price file's when it gives one.</summary>
        public DateTime Date { get; }

        /// <summary>The price file the overrides came from, or null for the built-in table alone.</summary>
        public string? Source { get; }

        public IEnumerable<string> Models => _prices.Keys;

        public static PriceTable BuiltIn()
        {
            var prices = new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase);
            foreach (var model in BuiltInModels)
            {
                prices[model] = Image2Family;
            }
            return new PriceTable(BuiltInDate, prices, null);
        }

        /// <summary>The built-in table with the price file of $env:IMAGEEDIT_PRICE_FILE over it, when it is set.</summary>
        public static PriceTable Current()
        {
            string? file = Environment.GetEnvironmentVariable(FileVariable);
            return string.IsNullOrWhiteSpace(file) ? BuiltIn() : BuiltIn().WithFile(file!);
        }

        /// <summary>
        /// This table with the models of a price file replacing or adding to it. The file is JSON:
        /// {"date":"2027-01-15","models":{"gpt-image-2":{"textInput":5,"cachedTextInput":1.25,"imageInput":8,"cachedImageInput":2,"imageOutput":30}}}
        /// (USD per 1M tokens; a cached price left out is the uncached one). A file that cannot be read or understood throws
        /// <see cref="PriceFileException"/> naming it: a cost computed from a price the user did not mean is worse than none.
        /// </summary>
        public PriceTable WithFile(string path)
        {
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                throw new PriceFileException(path, $"it could not be read ({ex.Message.TrimEnd('.')})", ex);
            }
            try
            {
                return WithJson(text, path);
            }
            catch (Exception ex) when (ex is JsonException || ex is FormatException || ex is InvalidOperationException || ex is KeyNotFoundException || ex is OverflowException)
            {
                throw new PriceFileException(path, ex.Message.TrimEnd('.'), ex);
            }
        }

        /// <summary>The price names a price file may give for a model, per 1M tokens.</summary>
        private static readonly string[] PriceNames = { "textInput", "cachedTextInput", "imageInput", "cachedImageInput", "imageOutput" };

        internal PriceTable WithJson(string json, string source)
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var prices = new Dictionary<string, ModelPrice>(_prices, StringComparer.OrdinalIgnoreCase);
            DateTime date = Date;
            if (root.TryGetProperty("date", out var dateElement))
            {
                date = DateTime.ParseExact(dateElement.GetString() ?? "", "yyyy-MM-dd", CultureInfo.InvariantCulture);
            }
            if (!root.TryGetProperty("models", out var models) || models.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("it has no \"models\" object (model name: {\"textInput\":..,\"imageInput\":..,\"imageOutput\":..})");
            }
            foreach (var model in models.EnumerateObject())
            {
                if (model.Value.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException($"{model.Name} is not an object of prices");
                }
                // A misspelt price name would otherwise fall back to another price without a word.
                foreach (var property in model.Value.EnumerateObject())
                {
                    if (Array.IndexOf(PriceNames, property.Name) < 0)
                    {
                        throw new FormatException($"{model.Name}.{property.Name} is not a price name (use {string.Join(", ", PriceNames)})");
                    }
                }
                decimal Price(string name, decimal? fallback)
                {
                    if (model.Value.TryGetProperty(name, out var value))
                    {
                        decimal price = value.GetDecimal();
                        if (price < 0) throw new FormatException($"{model.Name}.{name} is negative");
                        return price;
                    }
                    return fallback ?? throw new FormatException($"{model.Name} has no {name}");
                }
                decimal textInput = Price("textInput", null);
                decimal imageInput = Price("imageInput", null);
                prices[model.Name] = new ModelPrice(textInput, Price("cachedTextInput", textInput), imageInput, Price("cachedImageInput", imageInput), Price("imageOutput", null));
            }
            return new PriceTable(date, prices, source);
        }

        /// <summary>What an answer's usage cost (see the other overload); input tokens without details are counted as image input, the dearer.</summary>
        internal decimal? Cost(string? model, Responses.UsageDto? usage, bool batch = false) =>
            usage is null ? null : Cost(model, new TokenUsage(
                usage.InputTokensDetails?.TextTokens ?? 0,
                usage.InputTokensDetails is null ? usage.InputTokens : usage.InputTokensDetails.ImageTokens,
                usage.InputTokensDetails?.CachedTokens ?? 0,
                usage.OutputTokens), batch);

        /// <summary>The price of a model, or null when the table has none.</summary>
        public ModelPrice? Find(string? model) => model != null && _prices.TryGetValue(model, out var price) ? price : null;

        /// <summary>
        /// What a request cost in USD: its usage times the model's prices, half for the Batch API; null when the model or the
        /// usage is not known. Cached input tokens (input_tokens_details.cached_tokens, when the answer gives them; the
        /// ImagesUsage schema does not say of which kind) are counted as text first, then image: the higher of the readings.
        /// </summary>
        public decimal? Cost(string? model, TokenUsage? usage, bool batch = false)
        {
            var price = Find(model);
            if (price is null || usage is null)
            {
                return null;
            }
            long text = usage.TextInputTokens;
            long image = usage.ImageInputTokens;
            long cached = Math.Min(usage.CachedInputTokens, text + image);
            long cachedText = Math.Min(cached, text);
            long cachedImage = cached - cachedText;
            decimal perMillion = (text - cachedText) * price.TextInput + cachedText * price.CachedTextInput
                + (image - cachedImage) * price.ImageInput + cachedImage * price.CachedImageInput
                + usage.OutputTokens * price.ImageOutput;
            decimal cost = perMillion / 1_000_000m;
            return batch ? cost / 2 : cost;
        }
    }

    /// <summary>The token counts a cost is computed from.</summary>
    public sealed class TokenUsage
    {
        public TokenUsage(long textInputTokens, long imageInputTokens, long cachedInputTokens, long outputTokens)
        {
            TextInputTokens = textInputTokens;
            ImageInputTokens = imageInputTokens;
            CachedInputTokens = cachedInputTokens;
            OutputTokens = outputTokens;
        }

        public long TextInputTokens { get; }
        public long ImageInputTokens { get; }
        public long CachedInputTokens { get; }
        public long OutputTokens { get; }
    }

    /// <summary>The price file of $env:IMAGEEDIT_PRICE_FILE could not be used.</summary>
    public sealed class PriceFileException : Exception
    {
        public PriceFileException(string path, string problem, Exception? inner = null)
            : base($"The price file {path} (${PriceTable.FileVariable}) cannot be used: {problem}.", inner)
        {
            Path = path;
        }

        public string Path { get; }
    }
}
