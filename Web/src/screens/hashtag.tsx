import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, type OotdCard } from '../api';
import { ErrorText, Grid, LoadMore, message } from '../ui';

type TagPage = { items: Array<OotdCard | { ootd: OotdCard }>; nextCursor?: string | null; nextOffset?: number | null };

export function HashtagScreen({ tag }: { tag: string }) {
  const [posts, setPosts] = useState<OotdCard[]>([]);
  const [next, setNext] = useState<string | null>('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function more(from: string | null = next) {
    if (from === null) return;
    setBusy(true);
    try {
      const page = await get<TagPage>(`/api/v1/hashtags/${encodeURIComponent(tag)}/ootds?limit=24${from ? `&cursor=${encodeURIComponent(from)}` : ''}`);
      const items = page.items.map(i => ('ootd' in i ? i.ootd : i));
      setPosts(p => (from ? [...p, ...items] : items));
      setNext(page.nextCursor ?? (page.nextOffset != null ? String(page.nextOffset) : null));
    } catch (e) {
      setError(e instanceof ApiError && (e.status === 404 || e.status === 405) && !posts.length
        ? `No posts tagged #${tag} (or hashtag pages are not offered by this server yet).` : message(e));
      setNext(null);
    } finally { setBusy(false); }
  }
  useEffect(() => { setPosts([]); setError(null); more(''); }, [tag]);

  return (
    <section aria-labelledby="tag-title">
      <h1 id="tag-title" class="screen-title">#{tag}</h1>
      <ErrorText error={error} />
      <Grid posts={posts} empty={busy ? 'Loading…' : `No posts tagged #${tag} yet.`} />
      {posts.length > 0 && <LoadMore more={() => more()} done={next === null} busy={busy} />}
    </section>
  );
}
