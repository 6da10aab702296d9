import { lazy, Suspense } from 'react';
import { Link, Redirect, Route, Switch } from 'wouter';
import { useSession } from './api/session';
import { BrowsePage } from './browse/BrowsePage';
import { JobsPage } from './pages/Jobs';
import { SignIn } from './pages/SignIn';
import { TokensPage } from './pages/Tokens';

// The admin pages (and their chart library) load only when an administrator opens them.
const AdminPage = lazy(() => import('./admin/AdminPage'));

export function App() {
  const { user, signOut } = useSession();
  if (user === undefined) return <p aria-busy="true">Loading…</p>;
  if (user === null) return <SignIn />;
  return (
    <>
      <header className="top">
        <nav aria-label="Main">
          <Link href={`/browse/${encodeURIComponent(user.name)}`}>Files</Link>
          <Link href="/jobs">Jobs</Link>
          <Link href="/tokens">Tokens</Link>
          {user.admin && <Link href="/admin">Admin</Link>}
        </nav>
        <span className="who">{user.name}</span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <Suspense fallback={<p aria-busy="true">Loading…</p>}>
        <Switch>
          <Route path="/browse">{() => <BrowsePage path="" />}</Route>
          <Route path="/browse/*">{(params) => <BrowsePage path={decodePath(params['*'])} />}</Route>
          <Route path="/jobs" component={JobsPage} />
          <Route path="/tokens" component={TokensPage} />
          <Route path="/admin" nest>
            <AdminPage />
          </Route>
          <Route>
            <Redirect to={`/browse/${encodeURIComponent(user.name)}`} replace />
          </Route>
        </Switch>
      </Suspense>
    </>
  );
}

/** The node path in a /browse/<path> URL: its segments URL-decoded, no leading or trailing '/'. */
function decodePath(raw: string | undefined): string {
  return (raw ?? '')
    .split('/')
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    })
    .join('/');
}
