using System.Linq;
using ImageEdit.Pipeline;
using ImageEdit.Requests;
using Xunit;
using ImageEdit.Commands;

namespace ImageEdit.Tests
{
    public class ImportWarmUpTests
    {
        [Fact]
        public void EveryStepRunsWithoutFailing()
        {
            // The warm-up swallows its failures at import (nothing depends on it); here each must succeed, or the
            // first command would be doing the work again without anyone noticing.
            var failures = ImportWarmUp.Run();
            Assert.True(failures.Count == 0, string.Join("\n", failures.Select(f => f.ToString())));
        }

        [Fact]
        public async System.Threading.Tasks.Task RunningItTwiceOrAlongsideTheCatalogChangesNothing()
        {
            var before = RequestFields.Declared(typeof(ImageEdit.Commands.EditImageCommand));
            var results = await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 4).Select(_ => System.Threading.Tasks.Task.Run(() => ImportWarmUp.Run())));
            Assert.All(results, Assert.Empty);
            Assert.Same(before, RequestFields.Declared(typeof(ImageEdit.Commands.EditImageCommand)));
            Assert.Equal(RequestFields.All.Count, RequestFields.All.Select(f => f.WireName).Distinct().Count());
        }
    }
}
