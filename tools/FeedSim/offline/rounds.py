#!/usr/bin/env python3
"""Per-taste feed lift per round, and round 1 split by page, from a FeedSim run's database (issue 16, branch taste).

Usage: rounds.py POSTS_CSV EXPORT_DIR   (POSTS_CSV from the run's --posts-csv; EXPORT_DIR from export.sh, which reads
interactions.txt). A viewer's feed entries are its views (FeedSim views everything its feed shows and nothing else);
rounds are told apart by the simulator's pause between them (a gap of more than 6 s between views), a viewer's taste
by its name (fs<run>v<i>: taste i mod the number of tastes, as Tastes.GroupOf). Lift pooled over the taste's viewers.
"""
import collections, re, sys

rows = [l.strip().split(',') for l in open(sys.argv[1])]
names = rows[0][3:]
taste = {r[0]: [int(x) for x in r[3:]] for r in rows[1:]}
base = [sum(t[g] for t in taste.values()) / len(taste) for g in range(len(names))]
inter = [l.rstrip('\n').split('|') for l in open(sys.argv[2].rstrip('/') + '/interactions.txt')]
views = [v for v in inter if v[2] == '1' and v[1] in taste]
likes = collections.defaultdict(set)
for u, o, k, t in inter:
    if k == '2':
        likes[u].add(o)
ts = sorted(float(v[3]) for v in views)
cuts = [ts[i] for i in range(1, len(ts)) if ts[i] - ts[i - 1] > 6]
rnd = lambda t: sum(t >= c for c in cuts)
group = lambda u: int(re.search(r'v(\d+)$', u).group(1)) % len(names)
agg = collections.defaultdict(list)
for u, o, k, t in views:
    agg[(group(u), rnd(float(t)))].append(taste[o][group(u)] / base[group(u)])
R = max(r for _, r in agg) + 1
print("| taste (matching posts) | " + " | ".join(f"round {r + 1}" for r in range(R)) + " |\n|---|" + "---|" * R)
for g, n in enumerate(names):
    print(f"| {n} ({sum(t[g] for t in taste.values())}) | " + " | ".join(
        f"{sum(agg[(g, r)]) / len(agg[(g, r)]):.2f}" if agg[(g, r)] else "–" for r in range(R)) + " |")

byv = collections.defaultdict(list)
for u, o, k, t in views:
    if rnd(float(t)) == 0:
        byv[u].append((float(t), o))
p1, p2l, p2n = (collections.defaultdict(list) for _ in range(3))
for u, vs in byv.items():
    vs.sort()
    g = group(u)
    first, second = [o for _, o in vs[:5]], [o for _, o in vs[5:10]]
    p1[g] += [taste[o][g] / base[g] for o in first]
    (p2l if any(o in likes[u] for o in first) else p2n)[g] += [taste[o][g] / base[g] for o in second]
m = lambda x: f"{sum(x) / len(x):.2f}" if x else "–"
flat = lambda d: [x for g in d for x in d[g]]
print("\n| taste | round 1 page 1 | page 2, viewers with a like on page 1 (viewers) | page 2, viewers without (viewers) |\n|---|---|---|---|")
for g, n in enumerate(names):
    print(f"| {n} | {m(p1[g])} | {m(p2l[g])} ({len(p2l[g]) // 5}) | {m(p2n[g])} ({len(p2n[g]) // 5}) |")
print(f"| all | {m(flat(p1))} | {m(flat(p2l))} ({len(flat(p2l)) // 5}) | {m(flat(p2n))} ({len(flat(p2n)) // 5}) |")
