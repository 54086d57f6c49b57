using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace ImageEdit.Requests
{
    /// <summary>A value a request field refused while PowerShell bound it: which field, what was given, and why.</summary>
    internal sealed class BindingProblem
    {
        public BindingProblem(string wireName, object? value, string problem, string advice)
        {
            WireName = wireName;
            Value = value;
            Problem = problem;
            Advice = advice;
        }

        /// <summary>The field's wire name, e.g. n.</summary>
        public string WireName { get; }
        public object? Value { get; }

        /// <summary>What is wrong, e.g. "'2.7' is not a whole number."</summary>
        public string Problem { get; }

        /// <summary>How to fix it, e.g. "Pass a whole number from 1 to 10, or leave the value empty...".</summary>
        public string Advice { get; }
    }

    /// <summary>
    /// The values request fields refused while PowerShell bound them, until the command reads them. A transformation
    /// that threw would make PowerShell skip the row and write an error of its own, which the command never sees and so
    /// could not count in its run summary; instead the field notes the problem here and binds nothing, and the command
    /// reports the row's error itself (ParameterArgumentTransformationError, InvalidArgument, the row as TargetObject)
    /// and counts the row as failed. PowerShell binds on the pipeline thread, just before it calls the command, so the
    /// notes are kept per thread; the command clears them when a piped object begins to bind.
    /// </summary>
    internal static class BindingProblems
    {
        [ThreadStatic]
        private static List<BindingProblem>? t_noted;

        public static void Note(BindingProblem problem) => (t_noted ??= new List<BindingProblem>()).Add(problem);

        /// <summary>Forgets what was noted: a new piped object begins to bind.</summary>
        public static void Clear() => t_noted?.Clear();

        /// <summary>What was noted since the last Clear or Take, once per field (PowerShell may try a value twice), and forgets it.</summary>
        public static IReadOnlyList<BindingProblem> Take()
        {
            if (t_noted is null || t_noted.Count == 0)
            {
                return Array.Empty<BindingProblem>();
            }
            var taken = t_noted.GroupBy(p => p.WireName, StringComparer.Ordinal).Select(g => g.First()).ToList();
            t_noted.Clear();
            return taken;
        }

        /// <summary>
        /// The errors for the values noted since the last Take, only those of fields PowerShell did bind, to nothing, this
        /// time (a note left by a binding that failed later is not this input's). Each is PowerShell's own
        /// ParameterArgumentTransformationError, InvalidArgument, naming the parameter, with the piped object (else the
        /// value) as TargetObject.
        /// </summary>
        public static IReadOnlyList<ErrorRecord> TakeErrors(IDictionary<string, object> boundParameters, object? pipedObject)
        {
            var errors = new List<ErrorRecord>();
            foreach (var problem in Take())
            {
                string parameter = RequestFields.Wire(problem.WireName).ParameterName;
                if (!boundParameters.TryGetValue(parameter, out var bound) || bound != null)
                {
                    continue;
                }
                var error = new ErrorRecord(new ParameterBindingException($"Cannot process argument transformation on parameter '{parameter}'. {problem.Problem} {problem.Advice}"),
                    "ParameterArgumentTransformationError", ErrorCategory.InvalidArgument, pipedObject ?? problem.Value);
                error.ErrorDetails = new ErrorDetails(error.Exception.Message) { RecommendedAction = problem.Advice };
                errors.Add(error);
            }
            return errors;
        }
    }
}
