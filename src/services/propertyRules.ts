/** What a caller may write into a node's properties, checked once for create and for setNode. */
import type { Identity } from '../auth/identity';
import type { SpaceConfig } from '../config';
import { fault } from '../domain/faults';
import { byteCount, computedProperties, type NodeRecord } from '../domain/node';
import { isContainer } from '../domain/nodeTypes';
import {
  ADMIN_PROPERTIES,
  COMPUTED_PROPERTIES,
  MAX_PROPERTY_URI,
  MAX_PROPERTY_VALUE,
  P,
  type Property,
  type PropertyChange,
} from '../domain/properties';

const URI_RE = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/;
// XML 1.0 cannot carry these, so they could never be read back.
const BAD_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

/** Refuses changes no node could take: a property URI that is not a URI, a value too long or holding what XML cannot carry. */
export function checkPropertySyntax(changes: PropertyChange[]): void {
  for (const c of changes) {
    if (c.uri.length > MAX_PROPERTY_URI || !URI_RE.test(c.uri)) {
      throw fault('InvalidArgument', `property uri is not a URI: ${c.uri.slice(0, 200)}`);
    }
    if (c.value !== null) {
      if (c.value.length > MAX_PROPERTY_VALUE) throw fault('InvalidArgument', `value of ${c.uri} is too long`);
      if (BAD_CHARS.test(c.value)) throw fault('InvalidArgument', `value of ${c.uri} holds control characters`);
    }
  }
}

/**
 * Returns the changes to apply. A computed property sent back with the value
 * the service already reports (a client echoing a node it read) is dropped;
 * any other attempt to set one is PermissionDenied, as is a non-admin setting
 * an admin property.
 */
export function checkPropertyChanges(who: Identity, changes: PropertyChange[], current: NodeRecord): PropertyChange[] {
  checkPropertySyntax(changes);
  const byUri = new Map<string, PropertyChange>();
  for (const c of changes) byUri.set(c.uri, c);
  const reported = new Map(computedProperties(current).map((p) => [p.uri, p.value]));
  const out: PropertyChange[] = [];
  for (const c of byUri.values()) {
    if (COMPUTED_PROPERTIES.has(c.uri)) {
      if (c.value !== null && reported.get(c.uri) === c.value) continue;
      // availableSpace moves with every upload: an echo of it is stale, not an attempt to set it.
      if (c.value !== null && c.uri === P.availableSpace && reported.has(c.uri)) continue;
      throw fault('PermissionDenied', `${c.uri} is computed by the service and read-only`);
    }
    if (ADMIN_PROPERTIES.has(c.uri) && !who.admin) {
      // Sent back unchanged (a client echoing a node it read): nothing to set.
      if (c.value !== null && current.properties.some((p) => p.uri === c.uri && p.value === c.value)) continue;
      throw fault('PermissionDenied', `only an administrator may set ${c.uri}`);
    }
    if (c.uri === P.quota && c.value !== null) {
      if (!isContainer(current.type)) throw fault('InvalidArgument', `${c.uri} applies to containers only`);
      if (byteCount(c.value) === undefined) throw fault('InvalidArgument', `${c.uri} must be a whole number of bytes, not ${c.value.trim().slice(0, 64)}`);
    }
    out.push(c);
  }
  return out;
}

/**
 * The UTF-8 bytes of the values of `props`: what max_property_bytes and
 * quotas count of a node's properties. A quota's own value is left out (as
 * in quotaStore.bytesUnder): an administrator setting a limit adds nothing
 * under it, so a nested quota can be set in a full container.
 */
export function propertyBytes(props: readonly Property[]): number {
  return props.reduce((sum, p) => sum + (p.uri === P.quota ? 0 : Buffer.byteLength(p.value, 'utf8')), 0);
}

/**
 * Refuses the stored properties a change would leave on the node at `uri`
 * (`after`, from `before`) when they break max_properties or
 * max_property_bytes, unless the change does not grow them: a node over a
 * bound (written before it, or under a higher one) can still be cleaned up.
 */
export function checkPropertyBounds(space: SpaceConfig, uri: string, before: readonly Property[], after: readonly Property[]): void {
  if (after.length > space.maxProperties && after.length > before.length) {
    throw fault('InvalidArgument', `${uri} would hold ${after.length} properties, over max_properties (${space.maxProperties}); nothing was changed`);
  }
  const bytes = propertyBytes(after);
  if (bytes > space.maxPropertyBytes && bytes > propertyBytes(before)) {
    throw fault('InvalidArgument', `${uri} would hold ${bytes} bytes of property values, over max_property_bytes (${space.maxPropertyBytes}); nothing was changed`);
  }
}
