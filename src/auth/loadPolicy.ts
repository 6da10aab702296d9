/**
 * A deployment's own rules: `policy_module` in [Space] names a JavaScript
 * module (CommonJS or ESM) whose `policy` export, or default export,
 * implements Policy. Relative paths are taken from the working directory.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultPolicy, type Policy } from './policy';

export async function loadPolicy(modulePath: string): Promise<Policy> {
  if (!modulePath) return defaultPolicy;
  const file = path.resolve(modulePath);
  let mod: Record<string, unknown>;
  try {
    // tsc (module nodenext) and the tests' SWC (ignoreDynamic) keep import() real, so ESM modules load too.
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`policy_module ${file} could not be loaded: ${(e as Error).message}`);
  }
  const fromDefault = mod.default as Record<string, unknown> | undefined;
  const policy = (mod.policy ?? fromDefault?.policy ?? fromDefault) as Partial<Policy> | undefined;
  if (!policy || typeof policy.permits !== 'function') {
    throw new Error(`policy_module ${file} exports no policy: export an object with a permits(identity, action, context) method as \`policy\` or as the default`);
  }
  return policy as Policy;
}
