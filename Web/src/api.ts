// The public HTTP API of the platform (README "The HTTP API"); the only way this app reaches the server.

export interface Author { id: string; username: string; displayName: string; avatarUrl?: string | null }
export interface Box { x0: number; y0: number; x1: number; y1: number }
export interface LabelConfidence { label: string; confidence: number }
export interface Attribute { group: string; multiLabel: boolean; values: LabelConfidence[] }
export interface Price { amount: number; currency: string }
export interface SimilarProduct {
  productId: string; title: string; brand: string; price: Price | null; shopUrl: string | null; imageUrl: string;
  superCategory: string; subCategory: string; score: number;
}
/** An item as list cards show it (feeds, explore lists, profiles, hashtags); the post itself has the full Item. */
export interface ItemCard { itemNo: number; box: Box; superCategory: string; subCategory: string; pixelColour?: string }
export interface Item extends ItemCard {
  superConfidence: number; subConfidence: number;
  attributes: Attribute[]; similarProducts: SimilarProduct[];
  /** Garment outline in photo pixels, when the API sends one (points as [x, y] pairs or {x, y}). */
  outline?: Array<[number, number] | { x: number; y: number }> | null;
  polygon?: Array<[number, number] | { x: number; y: number }> | null;
}
export interface Photo { url: string; mediaId: string; contentType: string; width: number; height: number }
export type OotdStatus = 'analyzing' | 'ready' | 'failed' | 'deleted';
/** A post as lists show it (GET /api/v1/ootds/{id} answers the full Ootd). */
export interface OotdCard {
  id: string; authorId: string; description: string; hashtags: string[]; status: OotdStatus; createdAt: string;
  likeCount: number; viewCount: number; photo: Photo; items: ItemCard[]; analysisError: string | null;
  likedByMe?: boolean; followingAuthor?: boolean; author?: Author; commentCount?: number;
}
export interface Ootd extends OotdCard { items: Item[] }
export interface FeedEntry { ootdId: string; authorId: string; source: string; score: number; ootd: OotdCard }
export interface Feed { items: FeedEntry[]; nextCursor: string | null }
export interface Ranked { ootdId: string; authorId: string; score: number; ootd: OotdCard }
export interface RankedList { items: Ranked[]; segment?: string | null }
export interface User {
  id: string; username: string; displayName: string; gender: string; birthYear: number | null; bodyShape: string;
  styleTags: string[]; createdAt: string; followingCount: number; followerCount: number; postCount: number;
  avatarUrl?: string | null; followedByMe?: boolean; followingMe?: boolean;
}
export interface UserSummary { id: string; username: string; displayName: string; avatarUrl?: string | null }
export interface Page<T> { items: T[]; total: number; offset: number; limit: number; nextOffset: number | null }
export interface CursorPage<T> { items: T[]; nextCursor: string | null }
export interface Suggestion { userId: string; username: string; displayName: string; source: string; avatarUrl?: string | null }
export interface Product {
  id: string; title: string; brand: string; price: Price | null; shopUrl: string | null;
  image: { url: string }; superCategory: string | null; subCategory: string | null; status: string;
}
export interface Comment { id: string; ootdId: string; body: string; createdAt: string; author: Author }

interface Session { accessToken: string; refreshToken?: string; userId: string; expiresAt: number }

const KEY = 'ootd.session';

/** A failed call, with the server's explanation (problem+json `detail`, field errors) in words. */
export class ApiError extends Error {
  constructor(public status: number, message: string, public fields: Record<string, string[]> = {}) { super(message); }
}

let session: Session | null = load();
const listeners = new Set<() => void>();

function load(): Session | null {
  try { const s = localStorage.getItem(KEY); return s ? (JSON.parse(s) as Session) : null; } catch { return null; }
}

function save(s: Session | null) {
  session = s;
  if (s) localStorage.setItem(KEY, JSON.stringify(s)); else localStorage.removeItem(KEY);
  listeners.forEach(l => l());
}

export const auth = {
  get userId() { return session?.userId ?? null; },
  get signedIn() { return session !== null; },
  onChange(l: () => void) { listeners.add(l); return () => listeners.delete(l); },
  signOut() { save(null); },
};

function keep(t: { accessToken: string; refreshToken?: string; expiresIn: number; userId: string }) {
  save({ accessToken: t.accessToken, refreshToken: t.refreshToken, userId: t.userId, expiresAt: Date.now() + t.expiresIn * 1000 });
}

export async function problemMessage(r: Response): Promise<ApiError> {
  let message = `The server answered ${r.status} ${r.statusText}.`;
  let fields: Record<string, string[]> = {};
  try {
    const body = await r.json();
    if (body && typeof body === 'object') {
      fields = body.errors ?? {};
      const fieldText = Object.values(fields).flat().join(' ');
      message = [body.detail ?? body.title, fieldText].filter(Boolean).join(' ') || message;
    }
  } catch { /* not JSON */ }
  return new ApiError(r.status, message, fields);
}

let refreshing: Promise<boolean> | null = null;

/** Exchanges the refresh token for a new pair (rotation); false when there is none or it is refused. */
async function refresh(): Promise<boolean> {
  if (!session?.refreshToken) return false;
  refreshing ??= (async () => {
    try {
      const r = await fetch('/api/v1/auth/refresh', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refreshToken: session!.refreshToken }),
      });
      if (!r.ok) return false;
      keep(await r.json());
      return true;
    } catch { return false; } finally { setTimeout(() => (refreshing = null)); }
  })();
  return refreshing;
}

export function authHeaders(): Record<string, string> {
  return session ? { Authorization: `Bearer ${session.accessToken}` } : {};
}

/** A fresh enough access token (refreshed a minute before it expires when a refresh token is kept). */
export async function accessToken(): Promise<string | null> {
  if (session && session.refreshToken && session.expiresAt - Date.now() < 60_000) await refresh();
  return session?.accessToken ?? null;
}

export async function call<T>(method: string, path: string, body?: unknown, retried = false): Promise<T> {
  await accessToken();
  const headers: Record<string, string> = { Accept: 'application/json', ...authHeaders() };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
  let r: Response;
  try {
    r = await fetch(path, { method, headers, body: payload });
  } catch {
    throw new ApiError(0, 'The server cannot be reached. Check your connection and try again.');
  }
  if (r.status === 401 && session && !retried) {
    if (await refresh()) return call<T>(method, path, body, true);
    save(null);
  }
  if (!r.ok) throw await problemMessage(r);
  if (r.status === 204) return undefined as T;
  const type = r.headers.get('Content-Type') ?? '';
  return (type.includes('json') ? await r.json() : undefined) as T;
}

export const get = <T>(path: string) => call<T>('GET', path);

/** Multipart upload with progress (fetch has no upload progress; XMLHttpRequest does). */
export async function upload<T>(path: string, form: FormData, onProgress: (fraction: number) => void, method = 'POST'): Promise<T> {
  await accessToken();
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = e => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onerror = () => reject(new ApiError(0, 'The upload failed: the server cannot be reached.'));
    xhr.onload = async () => {
      const response = new Response(xhr.responseText || null, {
        status: xhr.status, statusText: xhr.statusText,
        headers: { 'Content-Type': xhr.getResponseHeader('Content-Type') ?? '' },
      });
      if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.responseText ? JSON.parse(xhr.responseText) : (undefined as T));
      else reject(await problemMessage(response));
    };
    xhr.send(form);
  });
}

export async function signIn(username: string, password: string) {
  const r = await fetch('/api/v1/auth/token', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }),
  });
  if (!r.ok) throw await problemMessage(r);
  keep(await r.json());
}

export async function signUp(body: { username: string; password: string; displayName: string; gender?: string }) {
  await call<User>('POST', '/api/v1/users', body);
  await signIn(body.username, body.password);
}

// --- small caches so that lists can show authors when the API does not embed them yet -------------------------------
const users = new Map<string, Promise<User | null>>();
export function user(id: string): Promise<User | null> {
  if (!users.has(id)) users.set(id, get<User>(`/api/v1/users/${id}`).catch(() => null));
  return users.get(id)!;
}
export function forgetUser(id: string) { users.delete(id); }

let me: Promise<User | null> | null = null;
/** The signed-in user: `GET /users/me`, or the profile by id where that endpoint is not there. */
export function currentUser(force = false): Promise<User | null> {
  if (!session) return Promise.resolve(null);
  if (force || !me) {
    const id = session.userId;
    me = get<User>('/api/v1/users/me').catch(() => get<User>(`/api/v1/users/${id}`)).catch(() => null);
  }
  return me;
}
auth.onChange(() => { me = null; });

/** A resized variant of a post's photo where the API offers one (`?w=`); the browser falls back to the original. */
export function photoUrl(o: OotdCard, w: 320 | 640 | 1080): string {
  return /^(blob|data):/.test(o.photo.url) ? o.photo.url : `${o.photo.url}${o.photo.url.includes('?') ? '&' : '?'}w=${w}`;
}
