using System.Management.Automation;
using ImageEdit.Pipeline;
using ImageEdit.Pricing;
using ImageEdit.Rules;

namespace ImageEdit.Commands
{
    /// <summary>The price table a command computes costs with: the built-in one, with $env:IMAGEEDIT_PRICE_FILE over it.</summary>
    internal static class PriceTables
    {
        /// <summary>
        /// The current table; a price file that cannot be used stops the command (PriceFileInvalid), since costs and a
        /// budget computed from prices the user did not mean are worse than none.
        /// </summary>
        public static PriceTable Load(Cmdlet cmdlet)
        {
            try
            {
                return PriceTable.Current();
            }
            catch (PriceFileException ex)
            {
                cmdlet.ThrowTerminatingError(ErrorRecordFactory.Create(new LocalCheckException("PriceFileInvalid", ErrorCategory.InvalidData, ex.Path, ex.Message,
                    $"Fix the file (see the README, \"Costs and budgets\", for its form), or clear ${PriceTable.FileVariable} to use the built-in prices of {PriceTable.BuiltInDate:yyyy-MM-dd}."), ex.Path));
                return null!;
            }
        }
    }
}
