/**
 * Configuration: an INI file in the reference implementation's format
 * ([Space] and [Storage]), chosen with --config FILE or VOSPACE_CONFIG.
 * Every key has a default, so no file is needed.
 */
import fs from 'node:fs';
import path from 'node:path';
import proxyaddr from 'proxy-addr';
import { IniError, parseIni } from './configparser';

export interface TlsConfig {
  useSsl: boolean;
  certFile: string;
  keyFile: string;
}

export interface SpaceConfig extends TlsConfig {
  host: string;
  port: number;
  name: string;
  /** Authority of node URIs: vos://{uri}!vospace/… */
  uri: string;
  /** Empty: the embedded database under dataDir. */
  dsn: string;
  dataDir: string;
  parameters: Record<string, unknown>;
  /** Largest XML request body read, in bytes (413 beyond it). */
  maxXmlBytes: number;
  /** Most children one listing returns; clients page with uri=. */
  maxChildren: number;
  /** Unix socket the CLI uses to reach a running service. */
  adminSocket: string;
  /** policy_module: a JS module whose `policy` export (or default export) replaces the default Policy; empty for the default. */
  policyModule: string;
  /** parameters.rate_limit_per_minute: requests one identity (a user, or an address when anonymous) may make per minute; 0 for no limit. */
  rateLimitPerMinute: number;
  /** parameters.graphql_max_depth: deepest selection a GraphQL operation may have. */
  graphqlMaxDepth: number;
  /** parameters.graphql_max_cost: highest estimated cost (fields times list sizes) of a GraphQL operation. */
  graphqlMaxCost: number;
  /** parameters.graphql_introspection: whether GraphQL answers introspection queries. */
  graphqlIntrospection: boolean;
  /** parameters.shutdown_grace_seconds: on SIGTERM, how long in-flight requests (uploads) may take to finish before they are cut and rolled back. */
  shutdownGraceSeconds: number;
  /** parameters.prepared_statements: named prepared statements on PostgreSQL; false behind a transaction-mode pooler. */
  preparedStatements: boolean;
  /** parameters.max_property_bytes: most UTF-8 bytes of property values stored on one node (computed properties not counted). */
  maxPropertyBytes: number;
  /** parameters.max_properties: most properties stored on one node. */
  maxProperties: number;
  /**
   * parameters.trust_proxy: behind a reverse proxy (TLS terminated there), which of its
   * X-Forwarded-Proto/-Host/-For to believe, as Express's 'trust proxy' takes it
   * (true, a hop count, or addresses); false (the default) believes none.
   */
  trustProxy: boolean | number | string;
  /** parameters.session_hours: how long a portal session lasts from its sign-in (absolute, not extended by use). */
  sessionHours: number;
  /** parameters.signin_failures: failed sign-ins allowed per user name per 15 minutes (four times as many per client address). */
  signinFailures: number;
  /** parameters.web_root: the built portal served at `/` (default web/dist of the package, wherever the service is started from). */
  webRoot: string;
  /**
   * metrics_allow: the client addresses whose requests to /metrics are served without a token
   * (addresses, CIDR subnets, or proxy-addr's names loopback, linklocal, uniquelocal); empty for none.
   */
  metricsAllow: string[];
}

export interface StorageConfig extends TlsConfig {
  name: string;
  host: string;
  port: number;
  parameters: Record<string, unknown>;
  /** parameters.root_dir: where the posix backend keeps objects. */
  rootDir: string;
  /** parameters.staging_dir: where uploads land until they commit. */
  stagingDir: string;
  /** parameters.public_url: the base URL clients reach this server at (default from host, port, use_ssl). */
  publicUrl: string;
  /** parameters.endpoint_ttl: seconds a transfer endpoint stays valid. */
  endpointTtl: number;
  /**
   * parameters.cors_origins: the web origins (scheme://host[:port]) whose pages may
   * PUT and GET bytes at the endpoints; null (the default) for the metadata
   * service's own (storage-server/cors.ts).
   */
  corsOrigins: string[] | null;
}

export interface Config {
  space: SpaceConfig;
  storage: StorageConfig;
  /** The file it came from, if any. */
  file?: string;
}

type Section = Record<string, string | undefined>;

function fail(msg: string): never {
  throw new Error(`configuration: ${msg}`);
}

function str(sec: Section, key: string, dflt: string): string {
  const v = sec[key];
  return v === undefined || v === '' ? dflt : String(v).trim();
}

function int(sec: Section, key: string, dflt: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = str(sec, key, String(dflt));
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) fail(`${key} = ${raw} is not a whole number from ${min} to ${max}`);
  return n;
}

function bool(sec: Section, key: string): boolean {
  const raw = str(sec, key, '0').toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  return fail(`${key} = ${raw} is not a boolean`);
}

function json(sec: Section, key: string): Record<string, unknown> {
  const raw = str(sec, key, '{}');
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return fail(`${key} is not JSON: ${raw}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(`${key} must be a JSON object`);
  return v as Record<string, unknown>;
}

function tls(sec: Section, name: string): TlsConfig {
  const t = { useSsl: bool(sec, 'use_ssl'), certFile: str(sec, 'cert_file', ''), keyFile: str(sec, 'key_file', '') };
  if (t.useSsl && (!t.certFile || !t.keyFile)) fail(`[${name}] use_ssl = 1 needs cert_file and key_file`);
  return t;
}

function param(params: Record<string, unknown>, key: string, dflt: number, min = 1): number {
  const v = params[key] ?? dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(`parameters.${key} must be a whole number of at least ${min}`);
  return v;
}

function flag(params: Record<string, unknown>, key: string, dflt: boolean): boolean {
  const v = params[key] ?? dflt;
  if (typeof v !== 'boolean') fail(`parameters.${key} must be true or false`);
  return v;
}

/** parameters.cors_origins: a JSON list or a comma-separated string of origins, each kept as a browser sends it. */
function originList(v: unknown): string[] | null {
  if (v === undefined) return null;
  const list = typeof v === 'string' ? v.split(',').map((o) => o.trim()).filter(Boolean) : v;
  if (!Array.isArray(list) || !list.every((o) => typeof o === 'string')) return fail('[Storage] parameters.cors_origins must be a list of origins or a comma-separated string');
  return list.map((o) => {
    let u: URL | undefined;
    try {
      u = new URL(o);
    } catch {
      u = undefined;
    }
    if (!u || !/^https?:$/.test(u.protocol) || u.pathname !== '/' || u.search || u.hash || u.username || u.password || o.endsWith('?') || o.endsWith('#')) {
      return fail(`[Storage] parameters.cors_origins: ${o} is not an origin (http(s)://host[:port], no path), e.g. https://vospace.example.org`);
    }
    // As a browser sends it: lower-case host, no default port, no trailing slash.
    return u.origin;
  });
}

function pathParameter(params: Record<string, unknown>, key: string, dflt: string, section = '[Space]'): string {
  const v = params[key] ?? dflt;
  if (typeof v !== 'string' || !v) fail(`${section} parameters.${key} must be a path`);
  return path.resolve(v);
}

/** The folder of package.json: two up from dist/src/config.js, one up from src/config.ts (tests). */
function packageRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

/** metrics_allow: a comma-separated list for proxy-addr (as Express's 'trust proxy' takes it), or `none`. */
function addressList(sec: Section, key: string, dflt: string): string[] {
  const raw = str(sec, key, dflt);
  const list = raw.toLowerCase() === 'none' ? [] : raw.split(',').map((a) => a.trim().toLowerCase());
  try {
    if (list.some((a) => !a)) throw new Error('an empty entry');
    proxyaddr.compile(list);
  } catch (e) {
    return fail(`${key} = ${raw}: ${(e as Error).message}; expected addresses or subnets (127.0.0.1, ::1, 10.0.0.0/8), loopback, linklocal, uniquelocal, or none`);
  }
  return list;
}

function proxySetting(v: unknown): boolean | number | string {
  if (v === undefined) return false;
  if (typeof v === 'boolean' || (typeof v === 'string' && v.trim()) || (typeof v === 'number' && Number.isInteger(v) && v >= 0)) return v;
  return fail('parameters.trust_proxy must be true, false, a number of proxies, or their addresses ("loopback", "10.0.0.1, 10.0.0.2")');
}

export function parseConfig(text: string, file?: string): Config {
  let doc: Record<string, Section>;
  try {
    doc = parseIni(text);
  } catch (e) {
    return fail(`${file ?? 'INI text'}: ${(e as IniError).message}`);
  }
  const s: Section = doc.Space ?? {};
  const st: Section = doc.Storage ?? {};
  const parameters = json(s, 'parameters');
  const dataDir = path.resolve(str(s, 'data_dir', './var/db'));
  const space: SpaceConfig = {
    host: str(s, 'host', '127.0.0.1'),
    port: int(s, 'port', 8080, 0, 65535),
    name: str(s, 'name', 'vospace'),
    uri: str(s, 'uri', 'example.org'),
    dsn: str(s, 'dsn', ''),
    dataDir,
    parameters,
    ...tls(s, 'Space'),
    maxXmlBytes: param(parameters, 'max_xml_bytes', 1024 * 1024),
    maxChildren: param(parameters, 'max_children', 10000),
    adminSocket: path.resolve(str(s, 'admin_socket', `${dataDir}.sock`)),
    policyModule: str(s, 'policy_module', ''),
    rateLimitPerMinute: param(parameters, 'rate_limit_per_minute', 60_000, 0),
    graphqlMaxDepth: param(parameters, 'graphql_max_depth', 12),
    graphqlMaxCost: param(parameters, 'graphql_max_cost', 50_000),
    graphqlIntrospection: flag(parameters, 'graphql_introspection', true),
    shutdownGraceSeconds: param(parameters, 'shutdown_grace_seconds', 30, 0),
    preparedStatements: flag(parameters, 'prepared_statements', true),
    maxPropertyBytes: param(parameters, 'max_property_bytes', 256 * 1024),
    maxProperties: param(parameters, 'max_properties', 1000),
    trustProxy: proxySetting(parameters.trust_proxy),
    sessionHours: param(parameters, 'session_hours', 12),
    signinFailures: param(parameters, 'signin_failures', 5),
    webRoot: pathParameter(parameters, 'web_root', path.join(packageRoot(), 'web', 'dist')),
    metricsAllow: addressList(s, 'metrics_allow', 'loopback'),
  };
  if (space.dsn && !/^postgres(ql)?:\/\//.test(space.dsn)) fail(`dsn must be a postgres:// URL or empty`);
  if (!/^[A-Za-z0-9.-]+$/.test(space.uri)) fail(`uri = ${space.uri} is not a host-like authority`);
  const storageParams = json(st, 'parameters');
  const pathParam = (key: string, dflt: string) => pathParameter(storageParams, key, dflt, '[Storage]');
  const varDir = path.dirname(dataDir);
  const storage: StorageConfig = {
    name: str(st, 'name', 'posix'),
    host: str(st, 'host', '127.0.0.1'),
    port: int(st, 'port', 8081, 0, 65535),
    parameters: storageParams,
    ...tls(st, 'Storage'),
    rootDir: pathParam('root_dir', path.join(varDir, 'storage')),
    stagingDir: pathParam('staging_dir', path.join(varDir, 'staging')),
    publicUrl: typeof storageParams.public_url === 'string' ? storageParams.public_url.replace(/\/+$/, '') : '',
    endpointTtl: param(storageParams, 'endpoint_ttl', 3600),
    corsOrigins: originList(storageParams.cors_origins),
  };
  return { space, storage, file };
}

/** Reads FILE, or $VOSPACE_CONFIG, or uses the defaults. */
export function loadConfig(file = process.env.VOSPACE_CONFIG): Config {
  if (!file) return parseConfig('');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return fail(`cannot read ${file}: ${(e as Error).message}`);
  }
  return parseConfig(text, path.resolve(file));
}
