namespace Ootd.Inference; internal static class Placeholder { }
