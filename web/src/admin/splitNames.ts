/** The names in a comma-separated field, trimmed, empty ones left out. */
export const splitNames = (v: FormDataEntryValue | null) =>
  String(v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
