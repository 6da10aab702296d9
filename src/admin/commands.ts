/**
 * Operator commands, run the same way from the CLI against the database and
 * from the admin socket inside a running service.
 */
import { OPERATOR } from '../auth/identity';
import { migrationSource } from '../db/migrations';
import type { Services } from '../services/context';
import * as passwords from '../services/passwords';
import * as tokens from '../services/tokens';
import * as users from '../services/users';

export type AdminCommand =
  | { command: 'user.add'; name: string; admin?: boolean; groups?: string[] }
  | { command: 'user.list' }
  | { command: 'user.groups'; name: string; add?: string[]; remove?: string[] }
  | { command: 'user.passwd'; name: string; password: string }
  | { command: 'group.add'; name: string; members?: string[] }
  | { command: 'group.list' }
  | { command: 'group.remove-member'; group: string; user: string }
  | { command: 'group.delete'; name: string }
  | { command: 'token.create'; user: string; label?: string; expiresInSeconds?: number }
  | { command: 'token.list'; user: string }
  | { command: 'token.revoke'; id: string }
  | { command: 'token.revoke-all'; user: string }
  | { command: 'migrate' };

export async function runAdminCommand(svc: Services, c: AdminCommand): Promise<unknown> {
  switch (c.command) {
    case 'user.add':
      return users.addUser(svc, OPERATOR, { name: c.name, admin: c.admin, groups: c.groups });
    case 'user.list':
      return users.listUsers(svc, OPERATOR);
    case 'user.groups':
      return users.changeMemberships(svc, OPERATOR, c.name, { add: c.add, remove: c.remove });
    case 'user.passwd':
      await passwords.setPassword(svc, OPERATOR, c.name, c.password);
      return { name: c.name };
    case 'group.add':
      return users.addGroup(svc, OPERATOR, c.name, c.members);
    case 'group.list':
      return users.listGroups(svc, OPERATOR);
    case 'group.remove-member':
      return users.removeGroupMember(svc, OPERATOR, c.group, c.user);
    case 'group.delete':
      await users.deleteGroup(svc, OPERATOR, c.name);
      return { deleted: c.name };
    case 'token.create':
      return { token: (await tokens.createToken(svc, OPERATOR, c.user, { label: c.label, expiresInSeconds: c.expiresInSeconds })).token };
    case 'token.list':
      return tokens.listTokens(svc, OPERATOR, c.user);
    case 'token.revoke':
      await tokens.revokeToken(svc, OPERATOR, c.id);
      return { revoked: c.id };
    case 'token.revoke-all':
      return { revoked: await tokens.revokeAllTokens(svc, OPERATOR, c.user) };
    case 'migrate': {
      // Opening the database already ran every pending migration; report where it stands.
      const [done, pending] = (await svc.db.migrate.list({ migrationSource })) as [{ name: string }[], unknown[]];
      return { applied: done.map((m) => m.name ?? m), pending: pending.length };
    }
    default:
      throw new Error(`unknown admin command ${(c as { command: string }).command}`);
  }
}
