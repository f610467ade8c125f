import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call, user, photoUrl, ApiError, type Author, type OotdCard, type User } from './api';

export function message(e: unknown): string {
  return e instanceof ApiError || e instanceof Error ? e.message : String(e);
}

/** Runs an async load when its keys change; gives data, error text and a reload. */
export function useLoad<T>(load: () => Promise<T>, keys: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setState(s => ({ data: s.data, loading: true }));
    load().then(data => live && setState({ data, loading: false }), e => live && setState({ error: message(e), loading: false }));
    return () => { live = false; };
  }, [...keys, n]);
  return { ...state, reload: () => setN(x => x + 1), set: (data: T) => setState({ data, loading: false }) };
}

export function ErrorText({ error }: { error?: string | null }) {
  return error ? <p class="error" role="alert">{error}</p> : null;
}

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return <p class="muted spinner" role="status" aria-live="polite"><span class="dot" aria-hidden="true" />{label}</p>;
}

export function Avatar({ who, size = 40 }: { who?: { displayName?: string; username?: string; avatarUrl?: string | null } | null; size?: number }) {
  const name = who?.displayName || who?.username || '?';
  const [broken, setBroken] = useState(false);
  if (who?.avatarUrl && !broken) {
    return <img class="avatar" src={who.avatarUrl} alt="" width={size} height={size} style={{ width: `${size}px`, height: `${size}px` }} onError={() => setBroken(true)} />;
  }
  const hue = [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 360, 7);
  return (
    <span class="avatar" aria-hidden="true" style={{ width: `${size}px`, height: `${size}px`, background: `hsl(${hue} 55% 45%)`, fontSize: `${Math.round(size * 0.42)}px` }}>
      {name.slice(0, 1).toUpperCase()}
    </span>
  );
}

/** The author of a post: embedded by the API when it can, else read once per user. */
export function useAuthor(id: string, embedded?: Author | null): Author | User | null {
  const [a, setA] = useState<Author | User | null>(embedded ?? null);
  useEffect(() => {
    if (embedded) { setA(embedded); return; }
    let live = true;
    user(id).then(u => live && setA(u));
    return () => { live = false; };
  }, [id, embedded]);
  return a;
}

export function AuthorLine({ id, author, children }: { id: string; author?: Author | null; children?: ComponentChildren }) {
  const a = useAuthor(id, author);
  return (
    <div class="author-line">
      <a href={`/u/${id}`} class="author">
        <Avatar who={a} size={36} />
        <span><strong>{a?.displayName ?? '…'}</strong><small class="muted">@{a?.username ?? ''}</small></span>
      </a>
      {children}
    </div>
  );
}

export const sourceLabels: Record<string, string> = {
  followee: 'You follow',
  userBased: 'People like you liked this',
  itemBased: 'Like posts you liked',
  weeklyBest: 'Best this week',
  segmentBest: 'Popular with people like you',
  exploration: 'Something different',
  latent: 'Matches your style',
  graph: 'Followed by people you follow',
  similarSegment: 'Similar to you',
  popular: 'Popular',
  fresh: 'New',
  new: 'New',
};

export function SourceBadge({ source }: { source: string }) {
  return <span class={`badge src-${source}`} title={`Shown because: ${sourceLabels[source] ?? source}`}>{sourceLabels[source] ?? source}</span>;
}

export function LikeButton<T extends OotdCard>({ ootd, onChange }: { ootd: T; onChange?: (o: T) => void }) {
  const [liked, setLiked] = useState(!!ootd.likedByMe);
  const [count, setCount] = useState(ootd.likeCount);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => { setLiked(!!ootd.likedByMe); setCount(ootd.likeCount); }, [ootd.id, ootd.likedByMe, ootd.likeCount]);
  async function toggle() {
    setError(null);
    const next = !liked;
    setLiked(next);
    try {
      const r = await call<{ liked: boolean; likeCount: number }>(next ? 'PUT' : 'DELETE', `/api/v1/ootds/${ootd.id}/like`);
      setLiked(r.liked); setCount(r.likeCount);
      onChange?.({ ...ootd, likedByMe: r.liked, likeCount: r.likeCount });
    } catch (e) { setLiked(!next); setError(message(e)); }
  }
  return (
    <span class="like">
      <button type="button" class={`icon-btn ${liked ? 'liked' : ''}`} aria-pressed={liked} aria-label={liked ? 'Unlike' : 'Like'} onClick={toggle}>
        <span aria-hidden="true">{liked ? '♥' : '♡'}</span>
      </button>
      <span class="like-count" aria-label={`${count} likes`}>{count}</span>
      {error && <span class="error small" role="alert">{error}</span>}
    </span>
  );
}

export function FollowButton({ userId, following: initial, onChange }: { userId: string; following?: boolean; onChange?: (f: boolean) => void }) {
  const [following, setFollowing] = useState(!!initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setFollowing(!!initial), [initial, userId]);
  async function toggle() {
    setBusy(true); setError(null);
    try {
      const r = await call<{ following: boolean }>(following ? 'DELETE' : 'PUT', `/api/v1/users/${userId}/follow`);
      setFollowing(r.following); onChange?.(r.following);
    } catch (e) { setError(message(e)); } finally { setBusy(false); }
  }
  return (
    <span>
      <button type="button" class={following ? 'secondary' : 'primary'} disabled={busy} aria-pressed={following} onClick={toggle}>
        {following ? 'Following' : 'Follow'}
      </button>
      {error && <span class="error small" role="alert">{error}</span>}
    </span>
  );
}

export function Hashtags({ tags }: { tags: string[] }) {
  if (!tags.length) return null;
  return <p class="tags">{tags.map(t => <a key={t} href={`/tags/${encodeURIComponent(t)}`}>#{t}</a>)}</p>;
}

export function Thumb({ ootd, w = 320 }: { ootd: OotdCard; w?: 320 | 640 }) {
  return <OotdImage ootd={ootd} w={w} alt={ootd.description} />;
}

/** A post's photo: the resized variant, falling back to the original when the API has no variants. */
export function OotdImage({ ootd, w, alt, eager }: { ootd: OotdCard; w: 320 | 640 | 1080; alt: string; eager?: boolean }) {
  const [src, setSrc] = useState(photoUrl(ootd, w));
  useEffect(() => setSrc(photoUrl(ootd, w)), [ootd.id, w]);
  return (
    <img src={src} alt={alt} width={ootd.photo.width} height={ootd.photo.height} loading={eager ? 'eager' : 'lazy'} decoding="async"
      onError={() => src !== ootd.photo.url && setSrc(ootd.photo.url)} />
  );
}

export function Grid({ posts, empty }: { posts: OotdCard[]; empty: string }) {
  if (!posts.length) return <p class="muted">{empty}</p>;
  return (
    <ul class="grid">
      {posts.map(o => (
        <li key={o.id}><a href={`/o/${o.id}`} aria-label={o.description}><Thumb ootd={o} /></a></li>
      ))}
    </ul>
  );
}

export function words(s: string) {
  return s.replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

export function formatPrice(p: { amount: number; currency: string } | null) {
  if (!p) return null;
  try { return new Intl.NumberFormat(undefined, { style: 'currency', currency: p.currency }).format(p.amount); }
  catch { return `${p.amount} ${p.currency}`; }
}

/** Calls `more` when the sentinel scrolls into view (infinite scroll); also a button for keyboard users. */
export function LoadMore({ more, done, busy }: { more: () => void; done: boolean; busy: boolean }) {
  const [el, setEl] = useState<HTMLElement | null>(null);
  useEffect(() => {
    if (!el || done) return;
    const io = new IntersectionObserver(es => { if (es.some(e => e.isIntersecting) && !busy) more(); }, { rootMargin: '600px' });
    io.observe(el);
    return () => io.disconnect();
  }, [el, done, busy, more]);
  if (done) return <p class="muted center">You are all caught up.</p>;
  return <div ref={setEl} class="center"><button type="button" class="secondary" disabled={busy} onClick={more}>{busy ? 'Loading…' : 'Load more'}</button></div>;
}
