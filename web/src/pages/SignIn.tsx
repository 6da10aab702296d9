import { useState, type FormEvent } from 'react';
import { useSession } from '../api/session';
import { Alert } from '../ui/Alert';

export function SignIn() {
  const { signIn } = useSession();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await signIn(String(form.get('name')), String(form.get('password')));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <main className="signin">
      <h1>VOSpace</h1>
      <form onSubmit={submit} aria-label="Sign in">
        <label>
          User name
          <input name="name" autoComplete="username" required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <Alert error={error} />
      </form>
    </main>
  );
}
