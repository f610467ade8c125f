import { useEffect, useState } from 'preact/hooks';
import { auth, call, get, type Comment, type CursorPage, type Item, type Ootd, type RankedList, type SimilarProduct } from '../api';
import { navigate } from '../router';
import { AuthorLine, ErrorText, FollowButton, Grid, Hashtags, LikeButton, OotdImage, Spinner, formatPrice, message, useLoad, words } from '../ui';

type Point = [number, number] | { x: number; y: number };
const pt = (p: Point) => (Array.isArray(p) ? p : [p.x, p.y]);

/** The top value of each attribute group, for the chips (e.g. "black", "denim", "casual"). */
function attributeWords(item: Item, max = 4) {
  return item.attributes
    .filter(a => a.values.length && a.values[0].label !== 'unknown')
    .sort((a, b) => b.values[0].confidence - a.values[0].confidence)
    .slice(0, max)
    .map(a => words(a.values[0].label));
}

/** The photo with each garment outlined: the outline polygon when the API sends one, else the box. */
export function OutlinedPhoto({ ootd, items, selected, onSelect }: {
  ootd: Ootd; items: Item[]; selected: number | null; onSelect: (n: number) => void;
}) {
  const { width: w, height: h } = ootd.photo;
  return (
    <div class="outlined">
      <OotdImage ootd={ootd} w={1080} alt={ootd.description} eager />
      <svg viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" role="group" aria-label="Garments found in the photo">
        {items.map(item => {
          const shape = item.outline ?? item.polygon;
          const label = `${words(item.subCategory)} (${words(item.superCategory)})`;
          const common = {
            class: `garment ${selected === item.itemNo ? 'selected' : ''} sc-${item.superCategory}`,
            tabindex: 0, role: 'button' as const, 'aria-label': `Show products like the ${label}`, 'aria-pressed': selected === item.itemNo,
            'data-item': item.itemNo,
            onClick: () => onSelect(item.itemNo),
            onKeyDown: (e: KeyboardEvent) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onSelect(item.itemNo); } },
          };
          return (
            <g key={item.itemNo}>
              {shape && shape.length > 2
                ? <polygon {...common} points={shape.map(p => pt(p).join(',')).join(' ')} />
                : <rect {...common} x={item.box.x0} y={item.box.y0} width={item.box.x1 - item.box.x0} height={item.box.y1 - item.box.y0} rx={Math.min(w, h) * 0.01} />}
              <title>{label}</title>
            </g>
          );
        })}
      </svg>
    </div>
  );
}

export function ProductList({ products }: { products: SimilarProduct[] }) {
  if (!products.length) return <p class="muted">No similar products in the catalogue yet.</p>;
  function clicked(p: SimilarProduct) {
    // the click is recorded (interaction ProductClick) without holding up the shop link
    call('POST', `/api/v1/products/${encodeURIComponent(p.productId)}/clicks`).catch(() => undefined);
  }
  return (
    <ul class="products" aria-label="Similar products">
      {products.map(p => (
        <li key={p.productId} class="product">
          <img src={p.imageUrl} alt={p.title} loading="lazy" width={120} height={160} />
          <div>
            <strong class="product-brand">{p.brand}</strong>
            <span class="title">{p.title}</span>
            <span class="price">{formatPrice(p.price) ?? 'Price not known'}</span>
            {p.shopUrl
              ? <a class="button primary small" href={p.shopUrl} target="_blank" rel="noopener noreferrer" data-external onClick={() => clicked(p)}>Shop</a>
              : <span class="muted small">No shop link</span>}
          </div>
        </li>
      ))}
    </ul>
  );
}

function Comments({ ootd }: { ootd: Ootd }) {
  const list = useLoad(() => get<CursorPage<Comment>>(`/api/v1/ootds/${ootd.id}/comments?limit=20`), [ootd.id]);
  const [error, setError] = useState<string | null>(null);
  if (list.error && /404|not found|nothing is found/i.test(list.error)) return null; // comments not offered by this server
  async function add(e: Event) {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const text = String(new FormData(form).get('text') ?? '').trim();
    if (!text) return;
    setError(null);
    try { await call('POST', `/api/v1/ootds/${ootd.id}/comments`, { body: text }); form.reset(); list.reload(); }
    catch (err) { setError(message(err)); }
  }
  async function remove(c: Comment) {
    try { await call('DELETE', `/api/v1/ootds/${ootd.id}/comments/${c.id}`); list.reload(); } catch (err) { setError(message(err)); }
  }
  return (
    <section aria-labelledby="comments-title">
      <h2 id="comments-title">Comments</h2>
      <ul class="comments">
        {(list.data?.items ?? []).map(c => (
          <li key={c.id}>
            <a href={`/u/${c.author.id}`}><strong>{c.author.displayName || c.author.username}</strong></a> {c.body}
            {(c.author.id === auth.userId || ootd.authorId === auth.userId) &&
              <button type="button" class="link small" onClick={() => remove(c)} aria-label="Delete comment">Delete</button>}
          </li>
        ))}
      </ul>
      <form class="inline" onSubmit={add}>
        <label class="visually-hidden" for="comment-text">Add a comment</label>
        <input id="comment-text" name="text" maxLength={1000} placeholder="Add a comment…" />
        <button class="secondary" type="submit">Send</button>
      </form>
      <ErrorText error={error ?? list.error} />
    </section>
  );
}

export function OotdScreen({ id }: { id: string }) {
  const post = useLoad(() => get<Ootd>(`/api/v1/ootds/${id}`), [id]);
  const similar = useLoad(() => get<RankedList>(`/api/v1/ootds/${id}/similar?limit=12`), [id]);
  const [selected, setSelected] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ootd = post.data;

  // analysing → result: poll until the analysis is done
  useEffect(() => {
    if (ootd?.status !== 'analyzing') return;
    const t = setTimeout(() => get<Ootd>(`/api/v1/ootds/${id}`).then(post.set, () => undefined), 1000);
    return () => clearTimeout(t);
  }, [ootd]);
  useEffect(() => { if (ootd?.status === 'ready') similar.reload(); }, [ootd?.status]);
  useEffect(() => { if (auth.signedIn) call('POST', `/api/v1/ootds/${id}/views`).catch(() => undefined); }, [id]);

  if (post.error) return <ErrorText error={post.error} />;
  if (!ootd) return <Spinner />;
  const item = ootd.items.find(i => i.itemNo === selected) ?? null;
  const mine = ootd.authorId === auth.userId;

  async function remove() {
    if (!confirm('Delete this post?')) return;
    try { await call('DELETE', `/api/v1/ootds/${id}`); navigate('/u/me', true); } catch (e) { setError(message(e)); }
  }

  return (
    <article class="detail" aria-label="Outfit">
      <div class="detail-photo card">
        <AuthorLine id={ootd.authorId} author={ootd.author}>
          {!mine && <FollowButton userId={ootd.authorId} following={ootd.followingAuthor} />}
          {mine && <button type="button" class="link" onClick={remove}>Delete</button>}
        </AuthorLine>
        <OutlinedPhoto ootd={ootd} items={ootd.items} selected={selected} onSelect={setSelected} />
        <div class="post-meta"><LikeButton ootd={ootd} /></div>
        <p class="description">{ootd.description}</p>
        <Hashtags tags={ootd.hashtags} />
        <ErrorText error={error} />
      </div>
      <div class="detail-side">
        {ootd.status === 'analyzing' && (
          <div class="card analysing" role="status" aria-live="polite"><span class="dot" aria-hidden="true" />Analysing your outfit: finding the garments…</div>
        )}
        {ootd.status === 'failed' && <p class="error card" role="alert">The analysis failed: {ootd.analysisError ?? 'unknown reason'}.</p>}
        {ootd.status === 'ready' && (
          <section class="card" aria-labelledby="items-title">
            <h2 id="items-title">{ootd.items.length === 1 ? '1 garment' : `${ootd.items.length} garments`}</h2>
            <ul class="chips" role="list">
              {ootd.items.map(i => (
                <li key={i.itemNo}>
                  <button type="button" class={`chip sc-${i.superCategory} ${selected === i.itemNo ? 'selected' : ''}`} aria-pressed={selected === i.itemNo}
                    onClick={() => setSelected(selected === i.itemNo ? null : i.itemNo)}>
                    <strong>{words(i.subCategory)}</strong>
                    <small>{[words(i.superCategory), ...attributeWords(i)].join(' · ')}</small>
                  </button>
                </li>
              ))}
            </ul>
            {item
              ? <section aria-labelledby="products-title"><h3 id="products-title">Shop the {words(item.subCategory)}</h3><ProductList products={item.similarProducts} /></section>
              : <p class="muted">Tap a garment to see similar products.</p>}
          </section>
        )}
        <section class="card" aria-labelledby="similar-title">
          <h2 id="similar-title">Similar outfits</h2>
          {similar.error ? <ErrorText error={similar.error} /> : <Grid posts={(similar.data?.items ?? []).map(r => r.ootd)} empty="No similar outfits yet." />}
        </section>
        {auth.signedIn && <div class="card"><Comments ootd={ootd} /></div>}
      </div>
    </article>
  );
}
