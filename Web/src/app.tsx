import { useEffect, useState } from 'preact/hooks';
import { auth } from './api';
import { interceptLinks, match, navigate, useLocation } from './router';
import { AuthScreen } from './screens/auth';
import { ExploreScreen } from './screens/explore';
import { FeedScreen } from './screens/feed';
import { HashtagScreen } from './screens/hashtag';
import { OotdScreen } from './screens/ootd';
import { PostScreen } from './screens/post';
import { PeopleScreen, ProfileScreen } from './screens/profile';
import { SearchScreen } from './screens/search';

const nav = [
  { to: '/', label: 'Home', icon: '⌂' },
  { to: '/explore', label: 'Explore', icon: '✦' },
  { to: '/post', label: 'Post', icon: '+' },
  { to: '/search', label: 'Search', icon: '⌕' },
  { to: '/u/me', label: 'Profile', icon: '☺' },
];

function screen(path: string) {
  let m;
  if ((m = match('/o/:id', path))) return <OotdScreen id={m.id} />;
  if ((m = match('/u/:id/followers', path))) return <PeopleScreen id={m.id} which="followers" />;
  if ((m = match('/u/:id/following', path))) return <PeopleScreen id={m.id} which="following" />;
  if ((m = match('/u/:id', path))) return <ProfileScreen id={m.id} />;
  if ((m = match('/tags/:tag', path))) return <HashtagScreen tag={m.tag} />;
  switch (path.split('?')[0]) {
    case '/': return <FeedScreen />;
    case '/explore': return <ExploreScreen />;
    case '/post': return <PostScreen />;
    case '/search': return <SearchScreen />;
    default: return <section><h1 class="screen-title">Not found</h1><p>There is no page at {path}. <a href="/">Go home</a>.</p></section>;
  }
}

export function App() {
  const path = useLocation();
  const [signedIn, setSignedIn] = useState(auth.signedIn);
  useEffect(() => auth.onChange(() => setSignedIn(auth.signedIn)), []);
  const authPage = path === '/signin' || path === '/signup';
  useEffect(() => {
    if (!signedIn && !authPage) navigate('/signin', true);
    if (signedIn && authPage) navigate('/', true);
  }, [signedIn, authPage]);
  useEffect(() => { document.getElementById('main')?.focus({ preventScroll: true }); }, [path]);

  const current = path.split('?')[0];
  return (
    <div class="shell" onClick={interceptLinks}>
      <a class="skip" href="#main">Skip to content</a>
      <header class="topbar">
        <a href="/" class="brand" aria-label="OOTD home">OOTD</a>
        {signedIn && (
          <nav aria-label="Main" class="nav">
            {nav.map(n => (
              <a key={n.to} href={n.to} aria-current={current === n.to ? 'page' : undefined}>
                <span aria-hidden="true" class="nav-icon">{n.icon}</span><span class="nav-label">{n.label}</span>
              </a>
            ))}
          </nav>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {authPage || !signedIn ? <AuthScreen mode={path === '/signup' ? 'signup' : 'signin'} /> : screen(path)}
      </main>
    </div>
  );
}
