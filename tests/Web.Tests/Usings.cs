global using Xunit;
global using Ootd.Tests.Api;

// One platform and one browser for all the web tests, one test at a time (a 2-core machine).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
