Console.WriteLine("model builder: nothing yet");
