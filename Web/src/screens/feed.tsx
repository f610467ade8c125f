import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { auth, get, type Feed, type FeedEntry, type OotdCard } from '../api';
import { openFeedStream } from '../stream';
import { AuthorLine, ErrorText, FollowButton, Hashtags, LikeButton, LoadMore, OotdImage, SourceBadge, Spinner, message, words } from '../ui';

export function PostCard({ entry, eager }: { entry: FeedEntry; eager?: boolean }) {
  const [ootd, setOotd] = useState<OotdCard>(entry.ootd);
  const author = entry.ootd.author;
  const following = entry.ootd.followingAuthor ?? entry.source === 'followee';
  const mine = entry.authorId === auth.userId;
  return (
    <article class="card post" aria-label={`Outfit: ${ootd.description}`} data-ootd={ootd.id}>
      <AuthorLine id={entry.authorId} author={author}>
        {!mine && !following && <FollowButton userId={entry.authorId} />}
      </AuthorLine>
      <a href={`/o/${ootd.id}`} class="photo">
        <OotdImage ootd={ootd} w={640} alt={ootd.description} eager={eager} />
        {ootd.status === 'analyzing' && <span class="badge overlay">Analysing…</span>}
      </a>
      <div class="post-meta">
        <LikeButton ootd={ootd} onChange={setOotd} />
        <SourceBadge source={entry.source} />
      </div>
      {ootd.items.length > 0 && (
        <ul class="chips garments" aria-label="Garments found">
          {ootd.items.map(i => <li key={i.itemNo} class={`chip static sc-${i.superCategory}`}>{words(i.subCategory)}</li>)}
        </ul>
      )}
      <p class="description">{ootd.description}</p>
      <Hashtags tags={ootd.hashtags} />
    </article>
  );
}

function merge(existing: FeedEntry[], more: FeedEntry[]) {
  const seen = new Set(existing.map(e => e.ootdId));
  return [...existing, ...more.filter(e => !seen.has(e.ootdId) && seen.add(e.ootdId))];
}

export function FeedScreen() {
  const [entries, setEntries] = useState<FeedEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fresh, setFresh] = useState<FeedEntry[]>([]);
  const [live, setLive] = useState(false);
  const entriesRef = useRef(entries);
  entriesRef.current = entries;

  const load = useCallback(async (from: string | null) => {
    setBusy(true); setError(null);
    try {
      const page = await get<Feed>(`/api/v1/feed?limit=10${from ? `&cursor=${encodeURIComponent(from)}` : ''}`);
      setEntries(e => merge(from ? e : [], page.items));
      setCursor(page.nextCursor);
      setDone(!page.nextCursor || page.items.length === 0);
    } catch (e) { setError(message(e)); } finally { setBusy(false); }
  }, []);

  useEffect(() => { load(null); }, []);

  useEffect(() => openFeedStream((event, data) => {
    const items = ((data as { items?: FeedEntry[] })?.items ?? []).filter(i => i?.ootd);
    if (event === 'followeePost') {
      setFresh(f => merge(f, items.filter(i => !entriesRef.current.some(e => e.ootdId === i.ootdId))));
    } else if (event === 'recommendations' && entriesRef.current.length === 0 && items.length) {
      setEntries(items);
    }
  }, setLive), []);

  const more = useCallback(() => { if (!busy && cursor) load(cursor); }, [busy, cursor]);

  function showFresh() {
    setEntries(e => merge(fresh, e));
    setFresh([]);
    window.scrollTo({ top: 0, behavior: 'smooth' });
  }

  return (
    <section aria-labelledby="feed-title">
      <h1 id="feed-title" class="screen-title">For you <span class={`live ${live ? 'on' : ''}`} title={live ? 'Live updates on' : 'Reconnecting'}>{live ? 'live' : ''}</span></h1>
      <div aria-live="polite">
        {fresh.length > 0 && (
          <button type="button" class="new-posts primary" onClick={showFresh}>
            {fresh.length === 1 ? '1 new post' : `${fresh.length} new posts`} — show
          </button>
        )}
      </div>
      <ErrorText error={error} />
      {entries.length === 0 && busy && <Spinner label="Loading your feed…" />}
      {entries.length === 0 && !busy && !error && (
        <p class="card muted">Nothing here yet. <a href="/explore">Explore</a> and follow people, or <a href="/post">post your outfit</a>.</p>
      )}
      <div class="feed">
        {entries.map((e, i) => <PostCard key={e.ootdId} entry={e} eager={i < 2} />)}
      </div>
      {entries.length > 0 && <LoadMore more={more} done={done} busy={busy} />}
    </section>
  );
}
