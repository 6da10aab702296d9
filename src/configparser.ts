/**
 * Reads INI text the way Python's configparser (which the reference
 * implementation uses) does: comments are whole lines starting with '#' or
 * ';', so a value keeps every ';' and '#' in it (a dsn password, a path);
 * keys are case-insensitive; `key = value` or `key: value`; indented lines
 * continue a value; [DEFAULT] supplies every section; no interpolation, so a
 * value is taken as written. The npm `ini` package cuts values at ';' and
 * '#', and `configparser` reads only files: hence these few lines.
 */
export type Sections = Record<string, Record<string, string>>;

export class IniError extends Error {}

export function parseIni(text: string): Sections {
  const sections: Sections = {};
  let current: Record<string, string> | undefined;
  let lastKey: string | undefined;
  const lines = text.split(/\r\n|\n|\r/);
  lines.forEach((line, i) => {
    const where = `line ${i + 1}`;
    if (/^\s*([#;].*)?$/.test(line)) {
      lastKey = line.trim() === '' ? undefined : lastKey;
      return;
    }
    if (/^\s/.test(line) && current && lastKey) {
      current[lastKey] = `${current[lastKey]}\n${line.trim()}`.trim();
      return;
    }
    const section = /^\[([^\]]+)\]\s*$/.exec(line);
    if (section) {
      if (sections[section[1]]) throw new IniError(`${where}: section [${section[1]}] appears twice`);
      current = sections[section[1]] = {};
      lastKey = undefined;
      return;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (!kv) throw new IniError(`${where}: expected "key = value": ${line}`);
    if (!current) throw new IniError(`${where}: "${kv[1]}" comes before any [section]`);
    const key = kv[1].trim().toLowerCase();
    if (key in current) throw new IniError(`${where}: ${key} is set twice`);
    current[key] = kv[2].trim();
    lastKey = key;
  });
  const defaults = sections.DEFAULT ?? {};
  delete sections.DEFAULT;
  for (const name of Object.keys(sections)) sections[name] = { ...defaults, ...sections[name] };
  return sections;
}
