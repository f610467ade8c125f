# Where the CPU samples of a `perf record -g` of the readpaths benchmark went (README "Read paths", second pass):
#   DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 dotnet Benchmarks.dll readpaths --routes post,feed &
#   perf record -F 299 -g -p <pid> -o post.perf -- sleep 10     # while wrk runs the route
#   python3 perf_parts.py post.perf
# or record the whole wrk phase once and split it by route: python3 perf_parts.py all.perf START,END (seconds of the
# perf clock, as `perf script -F time` prints them; /proc/uptime is close enough to find a route's window).
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
 ("taste (TasteProfile, TasteModel, TagTaste, DecayedCounts)", r"TasteProfile|TasteModel|TagTaste|DecayedCounts"),
 ("recommender (FeedAssembler, Mixing, grains' logic)", r"FeedAssembler|Mixing|Curation|RecommendationStore|FeedGrain|UserGrain|OotdGrain|StyleLeader"),
 ("Orleans messaging / networking / scheduler", r"Orleans\."),
 ("gateway handlers + OotdCards", r"Ootd\.Api"),
 ("ASP.NET Core routing/auth/middleware", r"Microsoft\.AspNetCore\.(Routing|Authentication|Authorization|Http|Diagnostics|Builder)"),
 ("Kestrel / pipelines / sockets", r"Kestrel|System\.IO\.Pipelines|System\.Net\.Sockets"),
]
window = ["--time", sys.argv[2]] if len(sys.argv) > 2 and sys.argv[2] else []
data = subprocess.run(["perf","script","-i",sys.argv[1],"-F","comm,ip,sym,dso"] + window,capture_output=True,text=True).stdout
counts = collections.Counter(); total = 0
inclusive = collections.Counter()   # samples with an Ootd.* method anywhere in the stack (each method once a sample)
for s in data.split("\n\n"):
    lines = [l for l in s.strip().split("\n") if l.strip()]
    if not lines: continue
    total += 1
    head = lines[0]
    seen = set()
    for frame in lines[1:]:
        m = re.search(r"(Ootd\.[\w.`<>]+?)(\(|\[|$| )", frame)
        if m and m.group(1) not in seen: seen.add(m.group(1)); inclusive[m.group(1)] += 1
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
print("inclusive (an Ootd method anywhere in the stack):")
for name, c in inclusive.most_common(int(sys.argv[3]) if len(sys.argv) > 3 else 15): print(f"{100*c/max(1,total):6.1f}%  {name}")
