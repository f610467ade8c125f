global using Xunit;

// The cluster tests share processes and a database; running them one at a time keeps a 2-core machine responsive.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
