using System;
using System.Management.Automation;

namespace ImageEdit.Commands
{
    /// <summary>
    /// An empty cell of an Import-Csv row means "not given": it binds as null, so the field is not sent, instead of
    /// failing to convert to a number or a set member.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    internal sealed class EmptyStringAsNullAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            return value is string text && text.Trim().Length == 0 ? null : inputData;
        }
    }
}
