#!/usr/bin/env python3
"""How much of the simulator's tastes the photos' detected garments carry (issue 16, branch taste).

Reads the exports of export.sh (a FeedSim database: posts, media sizes, detected items, style rows; sha256 of the CCP
photos) and the CCP labels, defines the six FeedSim tastes exactly as tools/FeedSim/Tastes.cs does (a CCP garment label
of at least 1,500 pixels), and prints:
  1. per taste: how often the parser detects the taste's sub-categories (recall, precision);
  2. the content ceiling: lift of the top 10 / 30 / 60 posts ranked by the detector's confidence in the taste's own
     sub-categories (a ranker that KNOWS the taste; any content ranker learning it from likes does worse);
  3. one like → page 2: for every matching post L, the lift of the 5 posts most similar to L under each content
     representation (what page 2 after a single like could reach from content alone);
  4. content-only feeds over 4 rounds of 2 x 5 posts (random first page, likes with p 0.7 / 0.05 as FeedSim), ranked
     by a per-viewer logistic regression (L2 = 1) over the model's present features (tags, super-categories,
     classifier block) or over a garment-composition vector, or by a kernel estimate over the viewer's own history.
Pure Python 3 (no packages). Usage: content.py EXPORT_DIR   (OOTD_CCP: the CCP folder, default ../shared/datasets/ccp)
"""
import collections, csv, math, os, random, sys

D = (sys.argv[1] if len(sys.argv) > 1 else '.').rstrip('/') + '/'
CCP = os.environ.get('OOTD_CCP') or os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../../shared/datasets/ccp')
SUBS = ["coat", "jacket", "padded_jacket", "blazer", "cardigan", "vest", "tshirt", "shirt_blouse", "knit_sweater",
        "hoodie_sweatshirt", "sleeveless_top", "polo", "jeans", "trousers", "shorts", "skirt", "leggings", "track_pants",
        "dress", "jumpsuit", "sneakers", "flats_loafers", "heels", "boots", "sandals", "slippers", "formal_shoes",
        "backpack", "handbag_tote", "shoulder_crossbody", "clutch_wallet", "travel_bag"]
SUPER = [0] * 6 + [1] * 6 + [2] * 6 + [3] * 2 + [4] * 7 + [5] * 5
TASTES = {"dresses": ["dress", "romper"], "jeans": ["jeans"], "skirts": ["skirt"], "coats": ["coat", "jacket", "cape"],
          "tailored": ["blazer", "suit"], "summer": ["shorts", "sandals", "t-shirt", "top"]}
# The platform's sub-categories a cold-start user of each taste declares (FeedSim's StyleTags, coats + padded_jacket).
MAP = {"dresses": {"dress", "jumpsuit"}, "jeans": {"jeans"}, "skirts": {"skirt"}, "coats": {"coat", "jacket", "padded_jacket"},
       "tailored": {"blazer"}, "summer": {"shorts", "sandals", "tshirt", "sleeveless_top"}}


def load():
    sha = {l.split()[0]: l.split()[1] for l in open(D + 'sha.txt')}
    garments = collections.defaultdict(set)
    for r in csv.DictReader(open(os.path.join(CCP, 'ccp_boxes.csv'))):
        if r['garment'] == 'True' and int(r['pixels']) >= 1500:
            garments[r['image']].add(r['tag'])
    media = {}
    for l in open(D + 'media.txt'):
        i, w, h = l.strip().split('|')
        media[i] = (int(w), int(h))
    posts = {}
    for l in open(D + 'posts.txt'):
        o, m = l.strip().split('|')
        posts[o] = dict(img=sha[m], g=garments[sha[m]], wh=media[m], items=[], tags=set(), cls=[0.0] * 32)
    for l in open(D + 'items.txt'):
        o, no, sup, sub, box, probs = l.strip().split('|')
        posts[o]['items'].append(dict(sub=sub, box=[float(x) for x in box.split(',')], p=[float(x) for x in probs.split(',')]))
    for l in open(D + 'styles.txt'):
        o, tags, cls = l.rstrip('\n').split('|')
        posts[o]['tags'] = set(t for t in tags.split(',') if t)
        posts[o]['cls'] = [float(x) for x in cls.split(',')] if cls else [0.0] * 32
    for p in posts.values():
        p['taste'] = {t: any(g in p['g'] for g in gs) for t, gs in TASTES.items()}
    return posts


posts = load()
ids = sorted(posts)
base = {t: sum(posts[o]['taste'][t] for o in ids) / len(ids) for t in TASTES}


def norm(v):
    n = math.sqrt(sum(x * x for x in v))
    return [x / n for x in v] if n > 0 else v


def cos(a, b):
    return sum(x * y for x, y in zip(a, b))


def area(p, it):
    w, h = p['wh']
    b = it['box']
    return max(0.0, (b[2] - b[0]) * (b[3] - b[1])) / (w * h)


def composition(p, power=0.5):
    """Per sub-category: the highest (detected item's confidence x area share^power) among the items detected as it."""
    v = [0.0] * 32
    for it in p['items']:
        j = SUBS.index(it['sub'])
        v[j] = max(v[j], max(it['p']) * area(p, it) ** power)
    return norm(v)


print(f"{len(ids)} posts; base rates " + ", ".join(f"{t} {b:.2f}" for t, b in base.items()))
print("\n1. Detection per taste\n")
print("| taste | photos | with a taste sub-category detected (recall) | posts with one detected | precision | most frequent detections on the taste's photos |")
print("|---|---|---|---|---|---|")
for t in TASTES:
    pos = [o for o in ids if posts[o]['taste'][t]]
    det = [o for o in ids if any(i['sub'] in MAP[t] for i in posts[o]['items'])]
    tp = sum(1 for o in det if posts[o]['taste'][t])
    top = collections.Counter(i['sub'] for o in pos for i in posts[o]['items']).most_common(4)
    print(f"| {t} | {len(pos)} | {tp} ({tp / len(pos):.2f}) | {len(det)} | {tp / max(1, len(det)):.2f} | {', '.join(f'{s} {n}' for s, n in top)} |")

print("\n2. Content ceiling: lift of the top 10 / 30 / 60 posts by the detector's confidence in the taste's own sub-categories\n")
print("| taste | top 10 | top 30 | top 60 |\n|---|---|---|---|")
ceil = collections.defaultdict(list)
for t in TASTES:
    idx = [SUBS.index(s) for s in MAP[t]]
    sc = {o: max([max(i['p'][j] for j in idx) for i in posts[o]['items']] or [0]) for o in ids}
    r = sorted(ids, key=lambda o: (-sc[o], o))
    row = [sum(posts[o]['taste'][t] for o in r[:k]) / k / base[t] for k in (10, 30, 60)]
    for k, x in zip((10, 30, 60), row):
        ceil[k].append(x)
    print(f"| {t} | " + " | ".join(f"{x:.2f}" for x in row) + " |")
print("| mean | " + " | ".join(f"{sum(ceil[k]) / 6:.2f}" for k in (10, 30, 60)) + " |")

print("\n3. One like -> the 5 most similar posts (lift per taste, mean)\n")
reps = {
    'detected tags (binary)': lambda p: norm([1.0 if s in p['tags'] else 0.0 for s in SUBS]),
    'classifier block (max prob)': lambda p: norm(p['cls']),
    'composition, conf x area^0.5': lambda p: composition(p, 0.5),
    'composition, conf': lambda p: composition(p, 0.0),
}
print("| representation | " + " | ".join(TASTES) + " | mean |\n|---|" + "---|" * 7)
for name, f in reps.items():
    R = {o: f(posts[o]) for o in ids}
    out = []
    for t in TASTES:
        pos = [o for o in ids if posts[o]['taste'][t]]
        prec = []
        for L in pos:
            near = sorted(((cos(R[L], R[o]), o) for o in ids if o != L), reverse=True)[:5]
            prec.append(sum(posts[o]['taste'][t] for _, o in near) / 5)
        out.append(sum(prec) / len(prec) / base[t])
    print(f"| {name} | " + " | ".join(f"{x:.2f}" for x in out) + f" | {sum(out) / len(out):.2f} |")

print("\n4. Content-only feeds, lift per round (rounds 1-4, mean over 60 viewers x seeds 1, 2; round 1 page 1 random)\n")
C = {o: composition(posts[o]) for o in ids}


def feats_model(o):
    p = posts[o]
    f = {('t', t): 1.0 for t in p['tags']}
    for t in p['tags']:
        if t in SUBS:
            f[('s', SUPER[SUBS.index(t)])] = 1.0
    for i, x in enumerate(p['cls']):
        if x:
            f[('c', i)] = x * 0.5
    return f


def feats_comp(o):
    return {('k', i): x * 2 for i, x in enumerate(C[o]) if x}


def fit(ex, l2=1.0, iters=60):
    w = collections.defaultdict(float)
    b = 0.0
    for _ in range(iters):
        g = collections.defaultdict(float)
        gb = 0.0
        for f, y in ex:
            z = b + sum(w[k] * v for k, v in f.items())
            e = 1 / (1 + math.exp(-z)) - y
            gb += e
            for k, v in f.items():
                g[k] += e * v
        b -= gb / len(ex)
        for k in set(g) | set(w):
            w[k] -= (g[k] + l2 * w[k]) / len(ex)
    return lambda f: b + sum(w.get(k, 0) * v for k, v in f.items())


def logit(featf):
    def pol(seen, liked, cand):
        m = fit([(featf(s), 1.0 if s in liked else 0.0) for s in seen])
        return {o: m(featf(o)) for o in cand}
    return pol


def kernel(gamma, a=0.5):
    def pol(seen, liked, cand):
        r = (len(liked) + 1) / (len(seen) + 2)
        out = {}
        for o in cand:
            num, den = a * r, a
            for s in seen:
                k = max(cos(C[o], C[s]), 0) ** gamma
                num += k * (s in liked)
                den += k
            out[o] = num / den
        return out
    return pol


def run(policy, seed, rounds=4, viewers=60):
    rng = random.Random(seed)
    res = [[] for _ in range(rounds)]
    for v in range(viewers):
        t = list(TASTES)[v % 6]
        seen, liked = [], set()
        for r in range(rounds):
            for _ in range(2):
                cand = [o for o in ids if o not in seen]
                if liked:
                    sc = policy(seen, liked, cand)
                    page = sorted(cand, key=lambda o: (-sc[o], o))[:5]
                else:
                    page = rng.sample(cand, 5)
                for o in page:
                    m = posts[o]['taste'][t]
                    res[r].append(m / base[t])
                    if rng.random() < (0.7 if m else 0.05):
                        liked.add(o)
                    seen.append(o)
    return [sum(x) / len(x) for x in res]


print("| ranker | round 1 | round 2 | round 3 | round 4 |\n|---|---|---|---|---|")
for name, pol in {'logistic, the model\'s features (tags, super-categories, classifier block)': logit(feats_model),
                  'logistic, composition vector': logit(feats_comp),
                  'logistic, both': logit(lambda o: {**feats_model(o), **feats_comp(o)}),
                  'kernel over own history, composition, cos^2': kernel(2)}.items():
    rs = [run(pol, s) for s in (1, 2)]
    print(f"| {name} | " + " | ".join(f"{(a + b) / 2:.2f}" for a, b in zip(*rs)) + " |", flush=True)
