/**
 * The one process launcher of the tests: the service, the standalone storage
 * server and the CLI as real child processes (node dist/…).
 *
 * Every child started here is tracked; killAll() SIGKILLs the ones still
 * alive and waits for them, so a test file can always clean up in afterEach.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { raceTimeout } from './client';

export const ROOT = path.resolve(__dirname, '../..');
export const MAIN = path.join(ROOT, 'dist/src/main.js');
export const STORAGE_MAIN = path.join(ROOT, 'dist/storage-server/main.js');
export const CLI = path.join(ROOT, 'dist/src/cli.js');

export interface Proc {
  child: ChildProcess;
  pid: number;
  /** 'test' (the default): killAll('test') ends it after its test; 'suite': only killAll() or killAll('suite'). */
  scope: 'test' | 'suite';
  stdout: string;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface LaunchOptions {
  scope?: Proc['scope'];
  /** More environment (VOSPACE_CONFIG is kept only when given here). */
  env?: Record<string, string>;
  /** The child's whole stdin (a pipe, not a terminal); without it, it has none. */
  input?: string;
}

const procs = new Set<Proc>();

/** A child's environment: no jest worker id (logging as in production), no NODE_OPTIONS, no inherited config. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.JEST_WORKER_ID;
  delete env.NODE_OPTIONS;
  if (!('VOSPACE_CONFIG' in extra)) delete env.VOSPACE_CONFIG;
  return env;
}

/** Starts node ARGS. */
export function launch(args: string[], opts: LaunchOptions = {}): Proc {
  const { input } = opts;
  const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv(opts.env ?? {}), stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not spawn node ${args.join(' ')}`);
  if (input !== undefined) child.stdin!.end(input);
  const p: Proc = {
    child,
    pid: child.pid,
    scope: opts.scope ?? 'test',
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (p.stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (p.stderr += d));
  procs.add(p);
  void p.exited.then(() => procs.delete(p));
  return p;
}

export const alive = (p: Proc) => p.child.exitCode === null && p.child.signalCode === null;

/** SIGKILLs every child still running (of SCOPE, when given) and waits for them all to be gone. */
export async function killAll(scope?: Proc['scope']): Promise<void> {
  const doomed = [...procs].filter((p) => !scope || p.scope === scope);
  for (const p of doomed) if (alive(p)) p.child.kill('SIGKILL');
  await Promise.all(doomed.map((p) => p.exited));
}

/** SIGKILL one child and wait for its exit. */
export async function kill9(p: Proc): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  p.child.kill('SIGKILL');
  return p.exited;
}

/** Resolves with the exit of P, or rejects (after killing it) if it takes longer than MS. */
export function exitWithin(p: Proc, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return raceTimeout(p.exited, ms, (): never => {
    p.child.kill('SIGKILL');
    throw new Error(`node ${p.child.spawnargs.slice(1).join(' ')} still running after ${ms} ms\nstdout: ${p.stdout}\nstderr: ${p.stderr}`);
  });
}

export interface Listening {
  proc: Proc;
  /** The first URL it printed after "listening on". */
  url: string;
}

/** Starts node ARGS and waits for its "listening on URL" line. */
export async function startListening(args: string[], opts: { timeoutMs?: number; scope?: Proc['scope'] } = {}): Promise<Listening> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const proc = launch(args, { scope: opts.scope });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no "listening on" line within ${timeoutMs} ms`)), timeoutMs);
    const onData = () => {
      const m = /listening on (\S+)/.exec(proc.stdout);
      if (m) done(undefined, m[1]);
    };
    const onExit = (code: number | null, signal: string | null) => done(new Error(`exited (${code ?? signal}) before listening`));
    function done(err?: Error, found?: string) {
      clearTimeout(timer);
      proc.child.stdout!.off('data', onData);
      proc.child.off('exit', onExit);
      if (err) reject(new Error(`node ${args.join(' ')}: ${err.message}\nstdout: ${proc.stdout}\nstderr: ${proc.stderr}`));
      else resolve(found!);
    }
    proc.child.stdout!.on('data', onData);
    proc.child.once('exit', onExit);
    onData();
  });
  return { proc, url };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** node dist/src/cli.js --config FILE ARGS… (no --config when FILE is undefined). */
export async function cli(file: string | undefined, args: string[], opts: Omit<LaunchOptions, 'scope'> = {}): Promise<CliResult> {
  const p = launch([CLI, ...(file ? ['--config', file] : []), ...args], opts);
  const { code } = await exitWithin(p, 30_000);
  return { code, stdout: p.stdout, stderr: p.stderr };
}

/** cli(), expecting exit 0. */
export async function cliOk(file: string | undefined, args: string[], opts: Omit<LaunchOptions, 'scope'> = {}): Promise<CliResult> {
  const r = await cli(file, args, opts);
  if (r.code !== 0) throw new Error(`vospace ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** A user with its home container, and a bearer token for it (the database opened directly by the CLI). */
export async function userWithToken(ini: string, name: string): Promise<string> {
  await cliOk(ini, ['user', 'add', name]);
  const token = (await cliOk(ini, ['token', 'create', '--user', name])).stdout.trim();
  if (!/^vos_[A-Za-z0-9_-]+$/.test(token)) throw new Error(`token create printed ${JSON.stringify(token)}`);
  return token;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
