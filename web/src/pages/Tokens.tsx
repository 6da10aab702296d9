/** The caller's bearer tokens: make one (shown once), list them, revoke them. */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { request } from '../api/client';
import { graphql } from '../gql';
import type { TokensQuery } from '../gql/graphql';
import { Alert } from '../ui/Alert';
import { formatTime } from '../ui/format';

const TokensQueryDoc = graphql(`
  query Tokens {
    tokens {
      id
      label
      created
      expires
      lastUsed
    }
  }
`);

const CreateTokenMutation = graphql(`
  mutation CreateToken($label: String, $expiresIn: Int) {
    createToken(label: $label, expiresIn: $expiresIn) {
      id
      token
    }
  }
`);

const RevokeTokenMutation = graphql(`
  mutation RevokeToken($id: ID!) {
    revokeToken(id: $id)
  }
`);

const DAY = 24 * 3600;
/** The choices of the Expires select: lifetime in seconds, '' for never. */
const EXPIRIES: [string, string][] = [
  [String(DAY), '1 day'],
  [String(30 * DAY), '30 days'],
  [String(365 * DAY), '1 year'],
  ['', 'never'],
];

type Token = TokensQuery['tokens'][number];

export function TokensPage() {
  const [tokens, setTokens] = useState<Token[] | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => request(TokensQueryDoc).then((d) => setTokens(d.tokens), setError), []);
  useEffect(() => void load(), [load]);

  async function create(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const label = String(form.get('label')).trim() || null;
    const expires = String(form.get('expires'));
    setBusy(true);
    setError(null);
    try {
      const d = await request(CreateTokenMutation, { label, expiresIn: expires ? Number(expires) : null });
      setCreated(d.createToken.token);
      await load();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function revoke(id: string) {
    setError(null);
    try {
      await request(RevokeTokenMutation, { id });
      await load();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <main className="tokens">
      <h1>Tokens</h1>
      <p>A token lets a script or a VOSpace client act as you: send it as <code>Authorization: Bearer &lt;token&gt;</code>.</p>
      <form onSubmit={create} aria-label="Create token" className="inline-form">
        <label>
          Label
          <input name="label" maxLength={200} />
        </label>
        <label>
          Expires
          <select name="expires" defaultValue={String(30 * DAY)}>
            {EXPIRIES.map(([v, text]) => (
              <option key={text} value={v}>
                {text}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={busy}>
          Create token
        </button>
      </form>
      {created && (
        <div className="new-token">
          <label>
            New token
            <input readOnly value={created} onFocus={(e) => e.currentTarget.select()} />
          </label>
          <p>Copy it now: it is not stored and cannot be shown again.</p>
        </div>
      )}
      <Alert error={error} />
      {tokens && (
        <table>
          <caption>Your tokens</caption>
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id} aria-label={`Token ${t.label ?? t.id}`}>
                <td>{t.label ?? <i>no label</i>}</td>
                <td>{formatTime(t.created)}</td>
                <td>{t.expires ? `${formatTime(t.expires)}${Date.parse(t.expires) < Date.now() ? ' (expired)' : ''}` : 'never'}</td>
                <td>{t.lastUsed ? formatTime(t.lastUsed) : 'never'}</td>
                <td>
                  <button type="button" onClick={() => void revoke(t.id)}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
            {tokens.length === 0 && (
              <tr>
                <td colSpan={5}>No tokens.</td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </main>
  );
}
