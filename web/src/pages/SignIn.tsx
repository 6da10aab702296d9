import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useSession } from '../api/session';
import { Alert } from '../ui/Alert';

/**
 * The sign-in form. While it is sent the fields and the button are disabled;
 * a refusal shows the service's own words in an alert (the same for a wrong
 * name and a wrong password; "too many failed sign-ins; retry after N s" once
 * the rate limit holds) and puts the cursor back in the password field.
 */
export function SignIn() {
  const { signIn } = useSession();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const password = useRef<HTMLInputElement>(null);
  // Once a refusal is rendered, the fieldset enabled again: a focus moved before that commit (it
  // was a frame after the refusal, which on a loaded machine could come first) lands nowhere.
  useEffect(() => {
    if (error && !busy) password.current?.select();
  }, [error, busy]);
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await signIn(String(form.get('name')), String(form.get('password')));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }
  return (
    <main className="signin">
      <h1>VOSpace</h1>
      <form onSubmit={submit} aria-label="Sign in" aria-busy={busy}>
        <fieldset disabled={busy}>
          <label>
            User name
            <input name="name" autoComplete="username" autoCapitalize="none" spellCheck={false} required autoFocus />
          </label>
          <label>
            Password
            <input ref={password} name="password" type="password" autoComplete="current-password" required />
          </label>
          <button type="submit">Sign in</button>
        </fieldset>
        <Alert error={error} />
      </form>
    </main>
  );
}
