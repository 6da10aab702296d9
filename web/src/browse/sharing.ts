/** Who may see a node, in plain words: "Private", "Public", "Group read: g1, g2", "Group write: g3". */
export function sharingWords(g: { public: boolean; groupRead: string[]; groupWrite: string[] }): string {
  const parts: string[] = [];
  if (g.public) parts.push('Public');
  if (g.groupRead.length) parts.push(`Group read: ${g.groupRead.join(', ')}`);
  if (g.groupWrite.length) parts.push(`Group write: ${g.groupWrite.join(', ')}`);
  return parts.length ? parts.join('; ') : 'Private';
}

/** A node type in plain words. */
export function typeWords(type: string): string {
  if (type === 'ContainerNode') return 'Folder';
  if (type === 'LinkNode') return 'Link';
  if (type.endsWith('DataNode')) return 'File';
  return 'Node';
}
