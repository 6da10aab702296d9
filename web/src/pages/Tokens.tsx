/** Placeholder until the tokens view lands. */
export function TokensPage() {
  return <h1>Tokens</h1>;
}
