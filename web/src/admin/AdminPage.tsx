/**
 * The admin pages (/admin/users, /usage, /storage, /jobs), loaded only when
 * opened. A non-administrator gets an alert and no request is made: the
 * service would refuse it (PermissionDenied) anyway.
 */
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { useUser } from '../api/session';
import { JobsView } from './JobsView';
import { StorageView } from './StorageView';
import { UsageView } from './UsageView';
import { UsersView } from './UsersView';

const VIEWS = [
  { path: '/users', name: 'Users', component: UsersView },
  { path: '/usage', name: 'Usage', component: UsageView },
  { path: '/storage', name: 'Storage', component: StorageView },
  { path: '/jobs', name: 'Jobs', component: JobsView },
];

export default function AdminPage() {
  const user = useUser();
  const [location] = useLocation();
  if (!user.admin) {
    return (
      <main>
        <h1>Admin</h1>
        <p role="alert" className="alert">
          Only administrators may open the admin pages.
        </p>
      </main>
    );
  }
  return (
    <main className="admin">
      <nav aria-label="Admin" className="subnav">
        {VIEWS.map((v) => (
          <Link key={v.path} href={v.path} aria-current={location === v.path ? 'page' : undefined}>
            {v.name}
          </Link>
        ))}
      </nav>
      <Switch>
        {VIEWS.map((v) => (
          <Route key={v.path} path={v.path} component={v.component} />
        ))}
        <Route>
          <Redirect to="/users" replace />
        </Route>
      </Switch>
    </main>
  );
}
