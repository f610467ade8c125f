// Placeholder: the silo host is written by the platform-foundation work.
Console.WriteLine("Ootd silo");
