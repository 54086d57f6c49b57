using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;

namespace ImageEdit.Requests
{
    /// <summary>
    /// Every request field, read once from the <see cref="RequestFieldAttribute"/> on the cmdlets' parameters, in the
    /// order they are declared (the order they go on the wire).
    /// </summary>
    internal static class RequestFields
    {
        private static readonly Lazy<IReadOnlyList<RequestField>> Catalog = new Lazy<IReadOnlyList<RequestField>>(Read);

        public static IReadOnlyList<RequestField> All => Catalog.Value;

        /// <summary>The field with this wire name; an unknown name is a programming error.</summary>
        public static RequestField Wire(string wireName) =>
            All.FirstOrDefault(f => f.WireName == wireName) ?? throw new ArgumentOutOfRangeException(nameof(wireName), wireName, "Not a request field.");

        /// <summary>The field a parameter sets, or null when the parameter is not a request field.</summary>
        public static RequestField? ForParameter(string parameterName) =>
            All.FirstOrDefault(f => string.Equals(f.ParameterName, parameterName, StringComparison.OrdinalIgnoreCase));

        private static readonly ConcurrentDictionary<Type, IReadOnlyList<(RequestField Field, PropertyInfo Property)>> DeclaredByType =
            new ConcurrentDictionary<Type, IReadOnlyList<(RequestField Field, PropertyInfo Property)>>();

        /// <summary>
        /// The fields the command of <paramref name="cmdletType"/> declares, with their properties: read by reflection once
        /// per command type, not for every piped input.
        /// </summary>
        internal static IReadOnlyList<(RequestField Field, PropertyInfo Property)> Declared(Type cmdletType) =>
            DeclaredByType.GetOrAdd(cmdletType, type => type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Select(property => (Property: property, Description: property.GetCustomAttribute<RequestFieldAttribute>()))
                .Where(p => p.Description != null)
                .Select(p => (All.First(f => f.WireName == p.Description!.WireName), p.Property))
                .ToArray());

        private static IReadOnlyList<RequestField> Read()
        {
            var fields = new List<RequestField>();
            // The cmdlet types that declare fields, as the assembly names them (base class first), each in declaration
            // order (MetadataToken). The field table sits below the cmdlets, so they name themselves to it.
            var declaring = typeof(RequestFields).Assembly.GetCustomAttributes<RequestFieldsDeclaredInAttribute>().SelectMany(a => a.Types);
            foreach (var type in declaring)
            {
                var declared = type.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                    .Select(p => (Property: p, Description: p.GetCustomAttribute<RequestFieldAttribute>()))
                    .Where(p => p.Description != null)
                    .OrderBy(p => p.Property.MetadataToken);
                foreach (var (property, description) in declared)
                {
                    fields.Add(new RequestField(property.Name, description!));
                }
            }
            return fields;
        }
    }

    /// <summary>
    /// Names the cmdlet types whose parameters carry <see cref="RequestFieldAttribute"/>, in wire order (a base class
    /// before the cmdlet that adds fields to it). Put on the assembly once, by the cmdlets.
    /// </summary>
    [AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
    internal sealed class RequestFieldsDeclaredInAttribute : Attribute
    {
        public RequestFieldsDeclaredInAttribute(params Type[] types) => Types = types;

        public Type[] Types { get; }
    }
}
