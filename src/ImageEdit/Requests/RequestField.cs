using System;
using System.Collections.Generic;
using System.Linq;

namespace ImageEdit.Requests
{
    /// <summary>A request field as the rest of the module sees it: its description and the parameter that sets it.</summary>
    internal sealed class RequestField
    {
        internal RequestField(string parameterName, RequestFieldAttribute description)
        {
            ParameterName = parameterName;
            Description = description;
            Values = Split(description.Values);
            JsonValues = description.JsonValues is null ? Values : Split(description.JsonValues);
        }

        /// <summary>The cmdlet parameter, e.g. OutputCompression.</summary>
        public string ParameterName { get; }

        /// <summary>The wire name, e.g. output_compression.</summary>
        public string WireName => Description.WireName;
        public FieldKind Kind => Description.Kind;
        public BodyForms Bodies => Description.Bodies;
        public bool GptImageOnly => Description.GptImageOnly;
        public int Minimum => Description.Minimum;
        public int Maximum => Description.Maximum;
        public bool HasRange => Description.Minimum != int.MinValue || Description.Maximum != int.MaxValue;

        /// <summary>The range in words: "between 1 and 10", or "20 or more" for a field with only a lower bound.</summary>
        public string RangeWords => Maximum == int.MaxValue ? $"{Minimum} or more" : Minimum == int.MinValue ? $"{Maximum} or less" : $"between {Minimum} and {Maximum}";

        /// <summary>The range as a parameter's advice writes it: "from 1 to 10", or "of 20 or more".</summary>
        public string RangeAdvice => Maximum == int.MaxValue || Minimum == int.MinValue ? "of " + RangeWords : $"from {Minimum} to {Maximum}";

        /// <summary>The values known today (empty for free text and numbers).</summary>
        public IReadOnlyList<string> Values { get; }

        /// <summary>The values the JSON body takes (the same as <see cref="Values"/> unless the contract narrows them).</summary>
        public IReadOnlyList<string> JsonValues { get; }

        internal RequestFieldAttribute Description { get; }

        /// <summary>A known value in its documented spelling (quality HIGH is sent as high); any other value as given.</summary>
        public object Canonical(object value)
        {
            if (value is string text)
            {
                foreach (var known in Values)
                {
                    if (string.Equals(known, text, StringComparison.OrdinalIgnoreCase))
                    {
                        return known;
                    }
                }
            }
            return value;
        }

        public override string ToString() => $"-{ParameterName} ({WireName})";

        private static IReadOnlyList<string> Split(string? values) =>
            values is null ? Array.Empty<string>() : values.Split('|').Select(v => v.Trim()).Where(v => v.Length > 0).ToArray();
    }
}
