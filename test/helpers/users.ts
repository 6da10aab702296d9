/** The set-up most black-box test files share: a test service with users made in it. */
import { startTestService, type TestService, type TestServiceOptions } from './service';

/** Starts a test service and makes the users named, in order; `tokens` holds a token for each, by name. */
export async function startWithUsers<N extends string>(
  users: Record<N, { admin?: boolean; groups?: string[] }>,
  opts: TestServiceOptions = {},
): Promise<{ t: TestService; tokens: Record<N, string> }> {
  const t = await startTestService(opts);
  const tokens = {} as Record<N, string>;
  for (const name of Object.keys(users) as N[]) tokens[name] = await t.user(name, users[name]);
  return { t, tokens };
}
