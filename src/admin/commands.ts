/**
 * Operator commands, run the same way from the CLI against the database and
 * from the admin socket inside a running service.
 */
import { OPERATOR } from '../auth/identity';
import { migrationSource } from '../db/migrations';
import type { Services } from '../services/context';
import * as users from '../services/users';

export type AdminCommand =
  | { command: 'user.add'; name: string; admin?: boolean; groups?: string[] }
  | { command: 'user.list' }
  | { command: 'group.add'; name: string; members?: string[] }
  | { command: 'token.create'; user: string; label?: string; expiresInSeconds?: number }
  | { command: 'migrate' };

export async function runAdminCommand(svc: Services, c: AdminCommand): Promise<unknown> {
  switch (c.command) {
    case 'user.add':
      return users.addUser(svc, OPERATOR, { name: c.name, admin: c.admin, groups: c.groups });
    case 'user.list':
      return users.listUsers(svc, OPERATOR);
    case 'group.add':
      await users.addGroup(svc, OPERATOR, c.name, c.members);
      return { group: c.name };
    case 'token.create':
      return { token: await users.createToken(svc, OPERATOR, c.user, { label: c.label, expiresInSeconds: c.expiresInSeconds }) };
    case 'migrate': {
      // Opening the database already ran every pending migration; report where it stands.
      const [done, pending] = (await svc.db.migrate.list({ migrationSource })) as [{ name: string }[], unknown[]];
      return { applied: done.map((m) => m.name ?? m), pending: pending.length };
    }
    default:
      throw new Error(`unknown admin command ${(c as { command: string }).command}`);
  }
}
