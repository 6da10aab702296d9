/** Placeholder until the browse view lands. */
export function BrowsePage({ path }: { path: string }) {
  return <h1>/{path}</h1>;
}
