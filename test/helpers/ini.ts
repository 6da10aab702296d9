/** The one INI writer of the tests: a service's configuration file, as an operator would write it. */
import fs from 'node:fs';
import path from 'node:path';

export type Section = Record<string, string | number>;

/** INI text of [Space] and [Storage]; a value that is an object (`parameters`) is written as JSON. */
export function iniText(space: Record<string, unknown>, storage: Record<string, unknown>): string {
  const lines = (s: Record<string, unknown>) => Object.entries(s).map(([k, v]) => `${k} = ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`);
  return ['[Space]', ...lines(space), '', '[Storage]', ...lines(storage), ''].join('\n');
}

/**
 * Writes FILE with [Space] keys SPACE and a posix [Storage] on 127.0.0.1:
 * its port (default 0, any free one) and directories (default beside FILE).
 */
export function writeIni(file: string, space: Section, storage: { port?: number; rootDir?: string; stagingDir?: string } = {}): string {
  const dir = path.dirname(file);
  const parameters = { root_dir: storage.rootDir ?? path.join(dir, 'storage'), staging_dir: storage.stagingDir ?? path.join(dir, 'staging') };
  fs.writeFileSync(file, iniText(space, { name: 'posix', host: '127.0.0.1', port: storage.port ?? 0, parameters }));
  return file;
}
