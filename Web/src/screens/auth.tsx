import { useState } from 'preact/hooks';
import { signIn, signUp } from '../api';
import { navigate } from '../router';
import { ErrorText, message } from '../ui';

export function AuthScreen({ mode }: { mode: 'signin' | 'signup' }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const signup = mode === 'signup';

  async function submit(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const username = String(f.get('username') ?? '').trim(), password = String(f.get('password') ?? '');
    setBusy(true); setError(null);
    try {
      if (signup) {
        const gender = String(f.get('gender') ?? '');
        await signUp({ username, password, displayName: String(f.get('displayName') ?? '').trim() || username, ...(gender ? { gender } : {}) });
      } else {
        await signIn(username, password);
      }
      navigate('/', true);
    } catch (err) { setError(message(err)); } finally { setBusy(false); }
  }

  return (
    <section class="auth card">
      <h1 class="brand-title">OOTD</h1>
      <p class="muted">Share your outfit of the day, find the pieces, follow people whose style you like.</p>
      <h2>{signup ? 'Create your account' : 'Sign in'}</h2>
      <form onSubmit={submit} aria-label={signup ? 'Sign up' : 'Sign in'}>
        <label>Username<input name="username" autoComplete="username" required minLength={3} maxLength={32} autoCapitalize="none" /></label>
        {signup && <label>Display name<input name="displayName" autoComplete="name" maxLength={64} /></label>}
        <label>Password<input name="password" type="password" autoComplete={signup ? 'new-password' : 'current-password'} required minLength={signup ? 8 : 1} /></label>
        {signup && (
          <label>Gender (optional: helps the feed)
            <select name="gender"><option value="">Prefer not to say</option><option value="female">Female</option><option value="male">Male</option><option value="other">Other</option></select>
          </label>
        )}
        <ErrorText error={error} />
        <button class="primary wide" type="submit" disabled={busy}>{busy ? 'Please wait…' : signup ? 'Sign up' : 'Sign in'}</button>
      </form>
      <p class="center">
        {signup ? <>Already have an account? <a href="/signin">Sign in</a></> : <>New here? <a href="/signup">Create an account</a></>}
      </p>
    </section>
  );
}
