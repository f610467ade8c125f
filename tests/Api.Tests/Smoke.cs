namespace Ootd.Tests; public class ApiSmoke { [Xunit.Fact] public void Builds() => Xunit.Assert.True(true); }
