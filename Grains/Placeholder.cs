namespace Ootd.Grains; internal static class Placeholder { }
