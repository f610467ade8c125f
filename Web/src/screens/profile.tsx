import { useEffect, useState } from 'preact/hooks';
import { ApiError, auth, call, currentUser, forgetUser, get, upload, type OotdCard, type Page, type User, type UserSummary } from '../api';
import { navigate } from '../router';
import { Avatar, ErrorText, FollowButton, Grid, LoadMore, Spinner, message, useLoad } from '../ui';

/** Whether the signed-in user follows `id`: the API's flag when it sends one, else their following list. */
async function iFollow(u: User): Promise<boolean> {
  if (typeof u.followedByMe === 'boolean') return u.followedByMe;
  const me = auth.userId;
  if (!me || me === u.id) return false;
  for (let offset: number | null = 0, pages = 0; offset !== null && pages < 20; pages++) {
    const page: Page<UserSummary> | null = await get<Page<UserSummary>>(`/api/v1/users/${me}/following?limit=100&offset=${offset}`).catch(() => null);
    if (!page) return false;
    if (page.items.some(x => x.id === u.id)) return true;
    offset = page.nextOffset;
  }
  return false;
}

function usePosts(id: string | undefined) {
  const [posts, setPosts] = useState<OotdCard[]>([]);
  const [next, setNext] = useState<number | null>(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function more(from = next) {
    if (!id || from === null) return;
    setBusy(true);
    try {
      const page = await get<Page<OotdCard>>(`/api/v1/users/${id}/ootds?limit=24&offset=${from}`);
      setPosts(p => (from === 0 ? page.items : [...p, ...page.items]));
      setNext(page.nextOffset);
    } catch (e) { setError(message(e)); } finally { setBusy(false); }
  }
  useEffect(() => { setPosts([]); setNext(0); if (id) more(0); }, [id]);
  return { posts, done: next === null, busy, error, more: () => more() };
}

export function ProfileScreen({ id }: { id: string }) {
  const userId = id === 'me' ? auth.userId ?? '' : id;
  const profile = useLoad(() => (id === 'me' ? currentUser(true) : get<User>(`/api/v1/users/${id}`)), [id]);
  const [following, setFollowing] = useState(false);
  const [editing, setEditing] = useState(false);
  const posts = usePosts(profile.data?.id ?? (userId || undefined));
  const u = profile.data;
  const mine = !!u && u.id === auth.userId;
  useEffect(() => { if (u && !mine) iFollow(u).then(setFollowing); }, [u?.id]);

  if (profile.error) return <ErrorText error={profile.error} />;
  if (!u) return <Spinner />;

  return (
    <section aria-labelledby="profile-name">
      <header class="card profile-head">
        <Avatar who={u} size={84} />
        <div class="profile-main">
          <h1 id="profile-name">{u.displayName}</h1>
          <p class="muted">@{u.username}</p>
          <ul class="counts">
            <li><strong>{u.postCount}</strong> posts</li>
            <li><a href={`/u/${u.id}/followers`}><strong>{u.followerCount}</strong> followers</a></li>
            <li><a href={`/u/${u.id}/following`}><strong>{u.followingCount}</strong> following</a></li>
          </ul>
          {(u.bodyShape !== 'unspecified' || u.styleTags.length > 0) && (
            <p class="tags">{u.bodyShape !== 'unspecified' && <span class="chip static">{u.bodyShape.replace(/([A-Z])/g, ' $1').toLowerCase()} shape</span>}
              {u.styleTags.map(t => <span key={t} class="chip static">{t}</span>)}</p>
          )}
          <div class="actions">
            {mine
              ? <>
                  <button type="button" class="secondary" onClick={() => setEditing(!editing)} aria-expanded={editing}>Edit profile</button>
                  <button type="button" class="link" onClick={() => { auth.signOut(); navigate('/signin', true); }}>Sign out</button>
                </>
              : <FollowButton userId={u.id} following={following} onChange={f => {
                  setFollowing(f); forgetUser(u.id);
                  profile.set({ ...u, followerCount: u.followerCount + (f ? 1 : -1) });
                }} />}
          </div>
        </div>
      </header>
      {editing && mine && <EditProfile user={u} onChanged={profile.set} onSaved={nu => { profile.set(nu); setEditing(false); }} />}
      <h2 class="screen-title">Posts</h2>
      <ErrorText error={posts.error} />
      <Grid posts={posts.posts} empty={mine ? 'You have not posted yet.' : 'No posts yet.'} />
      {posts.posts.length > 0 && <LoadMore more={posts.more} done={posts.done} busy={posts.busy} />}
    </section>
  );
}

const shapes = ['unspecified', 'hourglass', 'pear', 'apple', 'rectangle', 'invertedTriangle'];

function EditProfile({ user, onSaved, onChanged }: { user: User; onSaved: (u: User) => void; onChanged: (u: User) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [avatarNote, setAvatarNote] = useState<string | null>(null);
  const [initial] = useState(user); // the form is uncontrolled: a re-render (new avatar) keeps what was typed

  async function save(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const birth = String(f.get('birthYear') ?? '').trim();
    const body = {
      displayName: String(f.get('displayName') ?? '').trim(),
      gender: String(f.get('gender')),
      birthYear: birth ? Number(birth) : null,
      bodyShape: String(f.get('bodyShape')),
      styleTags: String(f.get('styleTags') ?? '').split(/[,\s]+/).map(s => s.replace(/^#/, '').trim()).filter(Boolean),
    };
    setBusy(true); setError(null);
    try {
      let saved: User;
      try { saved = await call<User>('PATCH', '/api/v1/users/me/profile', body); }
      catch (err) {
        if (!(err instanceof ApiError) || (err.status !== 404 && err.status !== 405)) throw err;
        saved = await call<User>('PUT', '/api/v1/users/me/profile', body); // servers without partial updates
      }
      forgetUser(saved.id);
      onSaved({ ...user, ...saved });
    } catch (err) { setError(message(err)); } finally { setBusy(false); }
  }

  async function avatar(e: Event) {
    const file = (e.currentTarget as HTMLInputElement).files?.[0];
    if (!file) return;
    const form = new FormData();
    form.append('avatar', file, file.name);
    setAvatarNote('Uploading…');
    try {
      const saved = await upload<User>('/api/v1/users/me/avatar', form, p => setAvatarNote(`Uploading ${Math.round(p * 100)} %`), 'PUT');
      forgetUser(user.id);
      currentUser(true);
      setAvatarNote('Saved.');
      onChanged({ ...user, avatarUrl: saved?.avatarUrl ?? user.avatarUrl });
    } catch (err) { setAvatarNote(message(err)); }
  }

  return (
    <form class="card" onSubmit={save} aria-label="Edit profile">
      <label>Display name<input name="displayName" defaultValue={initial.displayName} required maxLength={64} /></label>
      <label>Avatar<input type="file" accept="image/jpeg,image/png,image/webp" onChange={avatar} /></label>
      {avatarNote && <p class="muted small" role="status">{avatarNote}</p>}
      <div class="row">
        <label>Gender
          <select name="gender">{['unspecified', 'female', 'male', 'other'].map(g => <option key={g} value={g} selected={g === initial.gender}>{g}</option>)}</select>
        </label>
        <label>Birth year<input name="birthYear" type="number" min={1900} max={new Date().getFullYear()} defaultValue={initial.birthYear?.toString() ?? ''} /></label>
      </div>
      <label>Body shape
        <select name="bodyShape">{shapes.map(s => <option key={s} value={s} selected={s === initial.bodyShape}>{s.replace(/([A-Z])/g, ' $1').toLowerCase()}</option>)}</select>
      </label>
      <label>Style tags (comma separated)<input name="styleTags" defaultValue={initial.styleTags.join(', ')} placeholder="minimal, streetwear, vintage" /></label>
      <ErrorText error={error} />
      <button class="primary" type="submit" disabled={busy}>{busy ? 'Saving…' : 'Save'}</button>
    </form>
  );
}

export function PeopleScreen({ id, which }: { id: string; which: 'followers' | 'following' }) {
  const owner = useLoad(() => get<User>(`/api/v1/users/${id}`), [id]);
  const list = useLoad(() => get<Page<UserSummary>>(`/api/v1/users/${id}/${which}?limit=100`), [id, which]);
  return (
    <section aria-labelledby="people-title">
      <h1 id="people-title" class="screen-title">{owner.data ? `${owner.data.displayName}: ${which}` : which}</h1>
      <ErrorText error={list.error} />
      {list.data && <PeopleList people={list.data.items} empty={which === 'followers' ? 'No followers yet.' : 'Not following anyone yet.'} />}
    </section>
  );
}

export function PeopleList({ people, empty, reason }: { people: UserSummary[]; empty: string; reason?: (u: UserSummary) => string | null }) {
  if (!people.length) return <p class="muted">{empty}</p>;
  return (
    <ul class="people card">
      {people.map(p => (
        <li key={p.id}>
          <a href={`/u/${p.id}`} class="author"><Avatar who={p} /><span><strong>{p.displayName}</strong><small class="muted">@{p.username}{reason?.(p) ? ` · ${reason(p)}` : ''}</small></span></a>
          {p.id !== auth.userId && <FollowButton userId={p.id} />}
        </li>
      ))}
    </ul>
  );
}
