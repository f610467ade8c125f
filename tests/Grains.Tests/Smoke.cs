namespace Ootd.Tests; public class GrainsSmoke { [Xunit.Fact] public void Builds() => Xunit.Assert.True(true); }
