import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, call, get, type Item, type Ootd, type UserSummary } from '../api';
import { navigate, query } from '../router';
import { ErrorText, Spinner, message, words } from '../ui';
import { OutlinedPhoto, ProductList } from './ootd';
import { PeopleList } from './profile';

function UserSearch() {
  const [q, setQ] = useState(query('q') ?? '');
  const [people, setPeople] = useState<UserSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const term = q.trim().replace(/^@/, '');
    if (!term) { setPeople(null); return; }
    const t = setTimeout(async () => {
      try {
        const page = await get<{ items: UserSummary[] }>(`/api/v1/users?query=${encodeURIComponent(term)}&limit=20`);
        setPeople(page.items); setError(null);
      } catch (e) {
        setError(e instanceof ApiError && (e.status === 404 || e.status === 405) ? 'User search is not offered by this server yet.' : message(e));
      }
    }, 250);
    return () => clearTimeout(t);
  }, [q]);
  function tag(e: Event) {
    e.preventDefault();
    const term = q.trim();
    if (term.startsWith('#') && term.length > 1) navigate(`/tags/${encodeURIComponent(term.slice(1))}`);
  }
  return (
    <section aria-labelledby="people-search-title">
      <h2 id="people-search-title">People and hashtags</h2>
      <form role="search" onSubmit={tag}>
        <label class="visually-hidden" for="user-query">Search people by name, or a #hashtag</label>
        <input id="user-query" type="search" value={q} onInput={e => setQ((e.currentTarget as HTMLInputElement).value)}
          placeholder="Search people, or #hashtag and Enter" autoCapitalize="none" />
      </form>
      <ErrorText error={error} />
      {people && <PeopleList people={people} empty="Nobody found." />}
    </section>
  );
}

function PhotoSearch() {
  const [result, setResult] = useState<{ items: Item[]; width: number; height: number } | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const last = useRef<string | null>(null);

  async function pick(e: Event) {
    const file = (e.currentTarget as HTMLInputElement).files?.[0];
    if (!file) return;
    if (last.current) URL.revokeObjectURL(last.current);
    last.current = URL.createObjectURL(file);
    setPreview(last.current); setResult(null); setError(null); setBusy(true); setSelected(null);
    const form = new FormData();
    form.append('photo', file, file.name);
    form.append('k', '8');
    try {
      const r = await call<{ items: Item[]; width: number; height: number }>('POST', '/api/v1/search/image', form);
      setResult(r);
      if (r.items.length) setSelected(r.items[0].itemNo);
    } catch (err) { setError(message(err)); } finally { setBusy(false); }
  }

  const asOotd = result && preview ? ({ id: 'search', photo: { url: preview, width: result.width, height: result.height }, description: 'Your photo' } as unknown as Ootd) : null;
  const item = result?.items.find(i => i.itemNo === selected);
  return (
    <section aria-labelledby="photo-search-title">
      <h2 id="photo-search-title">Search by photo</h2>
      <p class="muted">Take or choose a photo of a look or a garment: we find each piece and products like it.</p>
      <label class="button secondary">Photo to search with
        <input class="visually-hidden" type="file" accept="image/*" capture="environment" onChange={pick} aria-label="Photo to search with" />
      </label>
      {busy && <Spinner label="Looking for the garments…" />}
      <ErrorText error={error} />
      {result && asOotd && (
        <div class="search-result">
          <OutlinedPhoto ootd={asOotd} items={result.items} selected={selected} onSelect={setSelected} />
          <div>
            <ul class="chips">{result.items.map(i => (
              <li key={i.itemNo}><button type="button" class={`chip sc-${i.superCategory} ${selected === i.itemNo ? 'selected' : ''}`} aria-pressed={selected === i.itemNo} onClick={() => setSelected(i.itemNo)}>
                <strong>{words(i.subCategory)}</strong><small>{words(i.superCategory)}</small></button></li>))}
            </ul>
            {item && <ProductList products={item.similarProducts} />}
            {result.items.length === 0 && <p class="muted">No garments found in this photo.</p>}
          </div>
        </div>
      )}
    </section>
  );
}

export function SearchScreen() {
  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title" class="screen-title">Search</h1>
      <div class="card"><UserSearch /></div>
      <div class="card"><PhotoSearch /></div>
    </section>
  );
}
