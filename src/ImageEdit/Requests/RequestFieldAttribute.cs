using System;
using System.Globalization;
using System.Management.Automation;

namespace ImageEdit.Requests
{
    /// <summary>How a request field's value is written and checked.</summary>
    internal enum FieldKind
    {
        /// <summary>Free text (a model name, a user id).</summary>
        Text,
        /// <summary>One of a set of words; the set may grow with new models.</summary>
        Choice,
        /// <summary>A whole number within a range.</summary>
        Integer,
    }

    /// <summary>Which request bodies carry a field.</summary>
    [Flags]
    internal enum BodyForms
    {
        /// <summary>multipart/form-data, with the image files uploaded.</summary>
        Multipart = 1,
        /// <summary>application/json, with images by URL or file ID.</summary>
        Json = 2,
        /// <summary>Both forms.</summary>
        Both = Multipart | Json,
    }

    /// <summary>
    /// The one description of a request field, placed on the cmdlet parameter that sets it: its wire name, kind,
    /// known values or range, which bodies carry it and whether only GPT image models take it. Everything else
    /// (binding CSV rows, both encodings, the local checks, Tab completion and the rules table in the help) reads it
    /// from here. As a transformation it also binds values strictly: an empty cell or a null means "not sent", and a
    /// value that is not of the field's kind fails that input instead of being dropped or rounded.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
    internal sealed class RequestFieldAttribute : ArgumentTransformationAttribute
    {
        public RequestFieldAttribute(string wireName, FieldKind kind)
        {
            WireName = wireName;
            Kind = kind;
        }

        /// <summary>The field's name on the wire (multipart part name and JSON property).</summary>
        public string WireName { get; }
        public FieldKind Kind { get; }

        /// <summary>The values known today, separated by '|': offered on Tab and checked for the models the rules table knows.</summary>
        public string? Values { get; set; }

        /// <summary>Where the JSON body takes fewer values than multipart (size: no custom sizes), those values, separated by '|'.</summary>
        public string? JsonValues { get; set; }

        /// <summary>The smallest whole number accepted (Integer fields).</summary>
        public int Minimum { get; set; } = int.MinValue;

        /// <summary>The largest whole number accepted (Integer fields).</summary>
        public int Maximum { get; set; } = int.MaxValue;

        /// <summary>Which bodies carry the field; a field carried only by JSON makes the request JSON.</summary>
        public BodyForms Bodies { get; set; } = BodyForms.Both;

        /// <summary>True when dall-e-2 refuses the field (the GPT image models take it).</summary>
        public bool GptImageOnly { get; set; }

        /// <summary>True for the field that only Get-ImageEditStream sets.</summary>
        public bool StreamingOnly { get; set; }

        /// <summary>
        /// Binds a value strictly (see <see cref="Convert"/>). A value that is not of the field's kind binds nothing and is
        /// noted in <see cref="BindingProblems"/>, so that the command fails that row itself and counts it.
        /// </summary>
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            try
            {
                return Convert(inputData);
            }
            catch (FieldValueException refused)
            {
                BindingProblems.Note(new BindingProblem(WireName, inputData is PSObject wrapped ? wrapped.BaseObject : inputData, refused.Problem, refused.Advice));
                return null;
            }
        }

        /// <summary>The value as the field takes it: null for an empty cell or a null; a <see cref="FieldValueException"/> for a value not of its kind.</summary>
        internal object? Convert(object? inputData)
        {
            object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            if (value is null || (value is string blank && blank.Trim().Length == 0))
            {
                return null;
            }
            return Kind == FieldKind.Integer ? ToInteger(value) : ToText(value);
        }

        /// <summary>A whole number from a number or its text; anything else (2.7, "abc", "high") is refused, never rounded or dropped.</summary>
        internal int ToInteger(object value)
        {
            switch (value)
            {
                case int whole:
                    return whole;
                case long or short or byte or sbyte or ushort or uint or ulong:
                    return Narrow(System.Convert.ToDecimal(value, CultureInfo.InvariantCulture), value);
                case double or float or decimal:
                    decimal number = System.Convert.ToDecimal(value, CultureInfo.InvariantCulture);
                    if (number != decimal.Truncate(number))
                    {
                        throw NotWhole(value);
                    }
                    return Narrow(number, value);
                case string text when int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int parsed):
                    return parsed;
                default:
                    throw NotWhole(value);
            }
        }

        /// <summary>Text as given, without the spaces a CSV cell often carries around it ("dall-e-2 " is dall-e-2).</summary>
        private static string ToText(object value) => value switch
        {
            string text => text.Trim(),
            _ when value.GetType().IsPrimitive || value is Enum => System.Convert.ToString(value, CultureInfo.InvariantCulture)!,
            _ => throw new FieldValueException($"A {value.GetType().Name} cannot be a text value.", "Pass a string, or leave the value empty so the field is not sent."),
        };

        private int Narrow(decimal number, object original)
        {
            if (number < int.MinValue || number > int.MaxValue)
            {
                throw NotWhole(original);
            }
            return (int)number;
        }

        private FieldValueException NotWhole(object value) =>
            new FieldValueException($"'{System.Convert.ToString(value, CultureInfo.InvariantCulture)}' is not a whole number.",
                $"Pass {RangeText()}, or leave the value empty so the field '{WireName}' is not sent.");

        internal string RangeText() =>
            Minimum != int.MinValue && Maximum != int.MaxValue ? $"a whole number from {Minimum} to {Maximum}"
            : Minimum != int.MinValue ? $"a whole number of {Minimum} or more" : "a whole number";
    }

    /// <summary>A value that is not of its field's kind: what is wrong with it, and how to give it.</summary>
    internal sealed class FieldValueException : ArgumentTransformationMetadataException
    {
        public FieldValueException(string problem, string advice) : base(problem + " " + advice)
        {
            Problem = problem;
            Advice = advice;
        }

        public string Problem { get; }
        public string Advice { get; }
    }
}
