# Where the CPU samples of a `perf record -g` of the readpaths benchmark went (README "Read paths", second pass):
#   DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 dotnet Benchmarks.dll readpaths --routes post,feed &
#   perf record -F 299 -g -p <pid> -o post.perf -- sleep 10     # while wrk runs the route
#   python3 perf_parts.py post.perf
import sys, re, subprocess, collections
# Partition: each CPU sample goes to the category of the frame nearest the leaf that matches one (else 'other').
cats = [
 ("System.Text.Json (HTTP bodies)", r"System\.Text\.Json"),
 ("Orleans serializer (grain call payloads)", r"Orleans\.Serialization"),
 ("Npgsql (database client)", r"Npgsql"),
 ("JWT validation / claims", r"JsonWebToken|IdentityModel|Claims"),
 ("OpenTelemetry, metrics, Activity, logging", r"OpenTelemetry|System\.Diagnostics\.(Metrics|Activity|DiagnosticListener)|Microsoft\.Extensions\.Logging|RequestLogMiddleware"),
 ("abuse limits / rate limiting", r"AbuseLimit|RateLimit|Throttl"),
 ("text rules", r"TextGates|TextRules"),
 ("recommender (FeedAssembler, Mixing, grains' logic)", r"FeedAssembler|Mixing|Curation|RecommendationStore|FeedGrain|UserGrain|OotdGrain|StyleLeader"),
 ("Orleans messaging / networking / scheduler", r"Orleans\."),
 ("gateway handlers + OotdCards", r"Ootd\.Api"),
 ("ASP.NET Core routing/auth/middleware", r"Microsoft\.AspNetCore\.(Routing|Authentication|Authorization|Http|Diagnostics|Builder)"),
 ("Kestrel / pipelines / sockets", r"Kestrel|System\.IO\.Pipelines|System\.Net\.Sockets"),
]
data = subprocess.run(["perf","script","-i",sys.argv[1],"-F","comm,ip,sym,dso"],capture_output=True,text=True).stdout
counts = collections.Counter(); total = 0
for s in data.split("\n\n"):
    lines = [l for l in s.strip().split("\n") if l.strip()]
    if not lines: continue
    total += 1
    head = lines[0]
    if "Tiered" in head: counts["tiered JIT compilation thread"] += 1; continue
    if "Server GC" in head: counts["GC threads"] += 1; continue
    hit = None
    for frame in lines[1:]:
        for name, rx in cats:
            if re.search(rx, frame): hit = name; break
        if hit: break
    if hit is None:
        hit = "kernel/runtime without managed frame" if all(("kernel" in f or "libcoreclr" in f or "unknown" in f or "libc" in f or "ld-linux" in f) for f in lines[1:]) else "other managed (BCL, thread pool)"
    counts[hit] += 1
print(f"{total} samples")
for name, c in counts.most_common(): print(f"{100*c/max(1,total):6.1f}%  {name}")
