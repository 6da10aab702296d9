/**
 * The operator CLI: npm run -s vospace -- <command> [--config FILE].
 * It sends each command to a running service over its admin socket, or, when
 * none is running, opens the database itself.
 */
import 'reflect-metadata';
import { Command, InvalidArgumentError } from 'commander';
import { runAdminCommand, type AdminCommand } from './admin/commands';
import { passwordFromStdin, promptPassword } from './admin/passwordInput';
import { sendAdminCommand } from './admin/socket';
import { loadConfig } from './config';
import { openDatabase } from './db/connection';
import { createServices } from './services/create';

const program = new Command('vospace').description('VOSpace operator commands').option('--config <file>', 'INI configuration file');

async function run(c: AdminCommand): Promise<unknown> {
  const config = loadConfig(program.opts<{ config?: string }>().config);
  const viaSocket = await sendAdminCommand(config.space.adminSocket, c);
  if (viaSocket) {
    if (viaSocket.error) throw new Error(viaSocket.error);
    return viaSocket.result;
  }
  const db = await openDatabase({ dsn: config.space.dsn, dataDir: config.space.dataDir, poolMax: 2 });
  try {
    const svc = await createServices(config, db);
    try {
      return await runAdminCommand(svc, c);
    } finally {
      await svc.backend.close?.();
    }
  } finally {
    await db.close();
  }
}

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
const seconds = (v: string) => {
  if (!/^[0-9]+$/.test(v)) throw new InvalidArgumentError('a whole number of seconds');
  return Number(v);
};
const print = (v: unknown) => void process.stdout.write(`${typeof v === 'string' ? v : JSON.stringify(v, null, 2)}\n`);

const user = program.command('user').description('manage users');
user
  .command('add <name>')
  .description('create a user and its home container /NAME')
  .option('--admin', 'make the user an administrator')
  .option('--groups <g1,g2>', 'groups to add the user to (created if missing)', list)
  .action(async (name: string, o: { admin?: boolean; groups?: string[] }) => {
    const u = (await run({ command: 'user.add', name, admin: o.admin, groups: o.groups })) as { name: string };
    process.stderr.write(`created user ${u.name} with home container /${u.name}\n`);
  });
user
  .command('list')
  .description('list users')
  .action(async () => {
    print(await run({ command: 'user.list' }));
  });
user
  .command('groups <name>')
  .description("change a user's groups (which must exist); prints the user")
  .option('--add <g1,g2>', 'groups to add the user to', list)
  .option('--remove <g1,g2>', 'groups to take the user out of', list)
  .action(async (name: string, o: { add?: string[]; remove?: string[] }) => {
    print(await run({ command: 'user.groups', name, add: o.add, remove: o.remove }));
  });
user
  .command('passwd <name>')
  .description("set a user's password (8 to 1024 characters), asked twice on a terminal; ends the user's portal sessions")
  .option('--password-stdin', 'read the password from the first line of stdin instead')
  .action(async (name: string, o: { passwordStdin?: boolean }) => {
    const password = o.passwordStdin ? await passwordFromStdin() : await promptPassword();
    await run({ command: 'user.passwd', name, password });
    process.stderr.write(`password of ${name} set\n`);
  });

const group = program.command('group').description('manage groups');
group
  .command('add <name>')
  .description('create a group (if new) and add members to it')
  .option('--members <u1,u2>', 'users to add to the group', list)
  .action(async (name: string, o: { members?: string[] }) => {
    await run({ command: 'group.add', name, members: o.members });
    process.stderr.write(`group ${name} ready\n`);
  });
group
  .command('list')
  .description('list groups with their members')
  .action(async () => {
    print(await run({ command: 'group.list' }));
  });
group
  .command('remove-member <group> <user>')
  .description('take a user out of a group; prints the group')
  .action(async (name: string, userName: string) => {
    print(await run({ command: 'group.remove-member', group: name, user: userName }));
  });
group
  .command('delete <name>')
  .description('delete a group and its memberships')
  .action(async (name: string) => {
    await run({ command: 'group.delete', name });
    process.stderr.write(`group ${name} deleted\n`);
  });

const token = program.command('token').description('manage bearer tokens');
token
  .command('create')
  .requiredOption('--user <name>', 'the user the token acts as')
  .option('--label <text>', 'a note stored with the token')
  .option('--expires <seconds>', 'lifetime in seconds (default: no expiry)', seconds)
  .description('create a bearer token; prints the token alone on stdout')
  .action(async (o: { user: string; label?: string; expires?: number }) => {
    const r = (await run({ command: 'token.create', user: o.user, label: o.label, expiresInSeconds: o.expires })) as { token: string };
    print(r.token);
  });
token
  .command('list')
  .requiredOption('--user <name>', 'whose tokens')
  .description("list a user's tokens: id, label, created, expires, lastUsed (never the token)")
  .action(async (o: { user: string }) => {
    print(await run({ command: 'token.list', user: o.user }));
  });
token
  .command('revoke [id]')
  .option('--user <name>', 'with --all: whose tokens')
  .option('--all', "revoke every token of the --user")
  .description('revoke a token by its id (see token list), or every token of a user (--user NAME --all)')
  .action(async (id: string | undefined, o: { user?: string; all?: boolean }) => {
    if (id !== undefined && (o.user !== undefined || o.all)) throw new Error('give either a token id or --user NAME --all, not both');
    if (id === undefined) {
      if (o.user === undefined || !o.all) throw new Error('give a token id, or --user NAME --all');
      const r = (await run({ command: 'token.revoke-all', user: o.user })) as { revoked: number };
      process.stderr.write(`revoked ${r.revoked} token(s) of ${o.user}\n`);
    } else {
      await run({ command: 'token.revoke', id });
      process.stderr.write(`token ${id} revoked\n`);
    }
  });

program
  .command('migrate')
  .description('bring the database schema up to date (the service also does this on start)')
  .action(async () => {
    print(await run({ command: 'migrate' }));
  });

program.parseAsync().catch((e) => {
  process.stderr.write(`vospace: ${(e as Error).message}\n`);
  process.exit(1);
});
