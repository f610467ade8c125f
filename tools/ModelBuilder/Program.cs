using Ootd.ModelBuilder;

var command = args.Length > 0 ? args[0] : "help";
int workers = int.TryParse(Environment.GetEnvironmentVariable("OOTD_WORKERS"), out var w) ? w : 2;
return command switch
{
    "backbone" => FeatureCommands.Backbone(),
    "features" => FeatureCommands.Features(args.Length > 1 ? args[1..] : ["items", "views", "windows"], workers),
    "report" => Evaluation.Report(args[1..]),
    "calibrate" => ClassifierCalibration.Run(),
    "cross-source" => ClassifierTraining.CrossSource(),
    "consumer" => ConsumerCheck.Run(args.Skip(1).FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)), args.Contains("--auto")),
    "street" => StreetAnalysis.Run(workers),
    "priors" => TaggerPriors.Run(),
    "parser" => ParserCommands.Run(args[1..], workers),
    "shot" => ShotCommands.Run(args[1..], workers),
    "garments" => GarmentCommands.Run(args[1..], workers),
    "train" => Trainers.Train(args.Length > 1 ? args[1..] : ["classifier", "tagger", "embedder", "detector"]),
    _ => Help(),
};

static int Help()
{
    Console.WriteLine("""
        ModelBuilder — builds the project's models from ../shared/datasets (or OOTD_DATASETS).
          backbone                 convert ResNet18 to a dynamic batch (git-ignored cache) and check batched == single
          features [items|views|windows|classviews]  extract and cache backbone features under .data/features (OOTD_WORKERS=2)
          train [classifier|tagger|embedder|detector]  train heads on cached features → models/*.onnx + *.json (OOTD_EPOCHS)
          street                   every CCP photo through FashionAnalyzer as an OOTD → .data/street-items-<models hash>.tsv (tagger outputs per item)
          priors                   P(gender | sub-category) from products train into models/tagger.json (no retraining); head powers
                                   chosen on products val and CCP val (street cache); figures → manifest metrics + REPORT.md
          cross-source             classifier trained on two sources, tested on the third (with/without augmented views) → REPORT.md
          consumer [models folder] [--auto] (--auto: sent without a kind, the photo decides) clothing test photos through FashionAnalyzer as product photos: super-category accuracy, ECE
          calibrate                fit the classifier's temperature on val (all three sources) → models/classifier.json `calibration`
          parser features AREA…    CCP photos through the fully convolutional backbone at ~AREA px → hypercolumns (.data/parser)
          parser train AREA [--write]  per-pixel head on train cells, mask → garment rules tuned on val (--write: models/parser.*)
          parser report            the committed parser on CCP test (IoU ≥ 0.5, per super-category) + speed → REPORT.md
          shot features [source…]  photos (ccp, ccp-small, clothing, products) through the border rule and the parser → .data/shot
          shot train [--write]     product-shot head (logistic, pooled layer4 + mask statistics) on train, threshold on val (--write: models/shot.*)
          garments features        CCP photos through the garment parser → region-pooled hypercolumns (.data/garments)
          garments train [--write] garment-presence head (multi-label logistic, CCP labels) on train, epoch on val (--write: models/garments.*)
          garments items           the variant measured against it: each photo's analysed items pooled per super-category (.data/garments/items.bin);
                                   OOTD_GARMENT_INPUTS=items|both makes `garments train` read them (alone, or beside the regions)
          report [classifier]      measure the committed heads on the test splits → models/REPORT.md and manifest metrics
        """);
    return 0;
}
