/** The six VOSpace node types, named as they appear (after the prefix) in xsi:type. */
export const NODE_TYPES = [
  'Node',
  'DataNode',
  'UnstructuredDataNode',
  'StructuredDataNode',
  'ContainerNode',
  'LinkNode',
] as const;

export type NodeType = (typeof NODE_TYPES)[number];

export function isNodeType(s: string): s is NodeType {
  return (NODE_TYPES as readonly string[]).includes(s);
}

export const isContainer = (t: NodeType) => t === 'ContainerNode';
export const isLink = (t: NodeType) => t === 'LinkNode';
/** Types that carry bytes (and so accepts/provides/capabilities/busy in XML). */
export const isDataType = (t: NodeType) =>
  t === 'DataNode' || t === 'UnstructuredDataNode' || t === 'StructuredDataNode';
