/**
 * Configuration: the pyvospace-style INI file ([Space], [Storage]) read by
 * parseConfig/loadConfig, with every key defaulted.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, parseConfig } from '../src/config';

/** The built portal of this checkout: web/dist beside package.json. */
const WEB_DIST = path.resolve(__dirname, '..', 'web', 'dist');

let dir: string;
const savedEnv = process.env.VOSPACE_CONFIG;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vospace-config-'));
  delete process.env.VOSPACE_CONFIG;
});

afterEach(() => {
  if (savedEnv === undefined) delete process.env.VOSPACE_CONFIG;
  else process.env.VOSPACE_CONFIG = savedEnv;
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeIni(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** The message parseConfig throws for TEXT (fails the test if it does not throw). */
function errorOf(text: string): string {
  let thrown: unknown;
  try {
    parseConfig(text);
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(Error);
  return (thrown as Error).message;
}

const PYVOSPACE_INI = `
# A configuration in the pyvospace layout
[Space]
host = 0.0.0.0
port = 8443
name = posix
uri = icrar.org
dsn = postgres://vos_user:vos_pass@db.example.org:5435/vospace
data_dir = /srv/vospace/db
parameters = {"max_children": 50}
; keys pyvospace has and this service does not use are ignored
secret_key = ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg=
domain =
use_ssl = 1
cert_file = /etc/vospace/cert.pem
key_file = /etc/vospace/key.pem
admin_socket = /run/vospace/admin.sock

[Storage]
name = posix
host = storage.example.org
port = 8081
parameters = {"root_dir": "/tmp/x", "staging_dir": "/tmp/y"}
use_ssl = 0
cert_file =
key_file =
`;

describe('parseConfig', () => {
  test('no file at all: every key has its default', () => {
    const c = parseConfig('');
    expect(c.file).toBeUndefined();
    expect(c.space).toEqual({
      host: '127.0.0.1',
      port: 8080,
      name: 'vospace',
      uri: 'example.org',
      dsn: '',
      dataDir: path.resolve('./var/db'),
      parameters: {},
      useSsl: false,
      certFile: '',
      keyFile: '',
      maxXmlBytes: 1024 * 1024,
      maxChildren: 10000,
      adminSocket: `${path.resolve('./var/db')}.sock`,
      policyModule: '',
      rateLimitPerMinute: 60_000,
      graphqlMaxDepth: 12,
      graphqlMaxCost: 50_000,
      graphqlIntrospection: true,
      shutdownGraceSeconds: 30,
      preparedStatements: true,
      maxPropertyBytes: 262_144,
      maxProperties: 1000,
      trustProxy: false,
      sessionHours: 12,
      signinFailures: 5,
      webRoot: WEB_DIST,
      metricsAllow: ['loopback'],
    });
    expect(c.storage).toEqual({
      name: 'posix',
      host: '127.0.0.1',
      port: 8081,
      parameters: {},
      useSsl: false,
      certFile: '',
      keyFile: '',
      rootDir: path.resolve('./var/storage'),
      stagingDir: path.resolve('./var/staging'),
      publicUrl: '',
      endpointTtl: 3600,
      corsOrigins: null,
    });
  });

  test('sections present but empty, and empty values, also fall back to the defaults', () => {
    const c = parseConfig('[Space]\nport =\nparameters =\nuse_ssl =\n[Storage]\nparameters =\n');
    expect(c.space.port).toBe(8080);
    expect(c.space.parameters).toEqual({});
    expect(c.space.useSsl).toBe(false);
    expect(c.storage.parameters).toEqual({});
    expect(c.storage.port).toBe(8081);
  });

  test('a full pyvospace-style file sets every key of [Space] and [Storage]', () => {
    const c = parseConfig(PYVOSPACE_INI, '/etc/vospace/vospace.ini');
    expect(c.file).toBe('/etc/vospace/vospace.ini');
    expect(c.space).toEqual({
      host: '0.0.0.0',
      port: 8443,
      name: 'posix',
      uri: 'icrar.org',
      dsn: 'postgres://vos_user:vos_pass@db.example.org:5435/vospace',
      dataDir: '/srv/vospace/db',
      parameters: { max_children: 50 },
      useSsl: true,
      certFile: '/etc/vospace/cert.pem',
      keyFile: '/etc/vospace/key.pem',
      maxXmlBytes: 1024 * 1024,
      maxChildren: 50,
      adminSocket: '/run/vospace/admin.sock',
      policyModule: '',
      rateLimitPerMinute: 60_000,
      graphqlMaxDepth: 12,
      graphqlMaxCost: 50_000,
      graphqlIntrospection: true,
      shutdownGraceSeconds: 30,
      preparedStatements: true,
      maxPropertyBytes: 262_144,
      maxProperties: 1000,
      trustProxy: false,
      sessionHours: 12,
      signinFailures: 5,
      webRoot: WEB_DIST,
      metricsAllow: ['loopback'],
    });
    expect(c.storage).toEqual({
      name: 'posix',
      host: 'storage.example.org',
      port: 8081,
      parameters: { root_dir: '/tmp/x', staging_dir: '/tmp/y' },
      useSsl: false,
      certFile: '',
      keyFile: '',
      rootDir: '/tmp/x',
      stagingDir: '/tmp/y',
      publicUrl: '',
      endpointTtl: 3600,
      corsOrigins: null,
    });
  });

  test('parameters feed the limits; the admin socket defaults to DATA_DIR.sock', () => {
    const c = parseConfig('[Space]\ndata_dir = /srv/v/db\nparameters = {"max_children": 7, "max_xml_bytes": 4096, "other": [1, 2]}\n');
    expect(c.space.maxChildren).toBe(7);
    expect(c.space.maxXmlBytes).toBe(4096);
    expect(c.space.parameters).toEqual({ max_children: 7, max_xml_bytes: 4096, other: [1, 2] });
    expect(c.space.adminSocket).toBe('/srv/v/db.sock');
  });

  test('the bounds on a node\'s properties: max_property_bytes and max_properties', () => {
    const c = parseConfig('[Space]\nparameters = {"max_property_bytes": 4096, "max_properties": 20}\n');
    expect(c.space.maxPropertyBytes).toBe(4096);
    expect(c.space.maxProperties).toBe(20);
  });

  test('the portal\'s session length and failed sign-in limit: session_hours and signin_failures', () => {
    const c = parseConfig('[Space]\nparameters = {"session_hours": 2, "signin_failures": 3}\n');
    expect([c.space.sessionHours, c.space.signinFailures]).toEqual([2, 3]);
  });

  test('booleans: 1/true/yes/on and 0/false/no/off', () => {
    for (const v of ['1', 'true', 'yes', 'on', 'TRUE']) {
      expect(parseConfig(`[Space]\nuse_ssl = ${v}\ncert_file = c.pem\nkey_file = k.pem\n`).space.useSsl).toBe(true);
    }
    for (const v of ['0', 'false', 'no', 'off']) {
      expect(parseConfig(`[Space]\nuse_ssl = ${v}\n`).space.useSsl).toBe(false);
    }
    expect(errorOf('[Space]\nuse_ssl = maybe\n')).toMatch(/use_ssl = maybe is not a boolean/);
  });

  test('a value keeps ";" and "#" (pyvospace\'s configparser has no inline comments)', () => {
    // ';' is legal in the userinfo of a URL; '#' in a directory name.
    const c = parseConfig(
      '[Space]\ndsn = postgres://vos:pa;ss@db.example.org/vospace\n[Storage]\nparameters = {"root_dir": "/data/run#1", "staging_dir": "/data/a;b"}\n',
    );
    expect(c.space.dsn).toBe('postgres://vos:pa;ss@db.example.org/vospace');
    expect(c.storage.parameters).toEqual({ root_dir: '/data/run#1', staging_dir: '/data/a;b' });
  });

  describe('bad values give an error naming the key and the value', () => {
    test.each(['99999', '65536', '-1', 'http', '80.5', '80 80'])('[Space] port = %s', (v) => {
      const msg = errorOf(`[Space]\nport = ${v}\n`);
      expect(msg).toMatch(/^configuration: /);
      expect(msg).toContain(`port = ${v}`);
      expect(msg).toMatch(/whole number from 0 to 65535/);
    });

    test('a port is written in decimal digits: 0x50, 8e3 and 0b1010 are refused', () => {
      // pyvospace reads the port with int(), which refuses these; they are not silently 80, 8000 and 10.
      for (const v of ['0x50', '8e3', '0b1010']) expect(errorOf(`[Space]\nport = ${v}\n`)).toContain(`port = ${v}`);
    });

    test('[Storage] port = 70000', () => {
      expect(errorOf('[Storage]\nport = 70000\n')).toMatch(/port = 70000 is not a whole number/);
    });

    test('[Space] parameters that are not JSON', () => {
      const msg = errorOf('[Space]\nparameters = {max_children: 50}\n');
      expect(msg).toMatch(/^configuration: parameters is not JSON/);
      expect(msg).toContain('{max_children: 50}');
    });

    test('[Storage] parameters that are not JSON', () => {
      expect(errorOf('[Storage]\nparameters = {"root_dir": "/tmp/x",}\n')).toMatch(/parameters is not JSON/);
    });

    test('parameters that are JSON but not an object', () => {
      expect(errorOf('[Space]\nparameters = [1, 2]\n')).toMatch(/parameters must be a JSON object/);
      expect(errorOf('[Storage]\nparameters = 42\n')).toMatch(/parameters must be a JSON object/);
    });

    test.each([0, -3, 2.5, '"50"'])('parameters.max_children = %p', (v) => {
      expect(errorOf(`[Space]\nparameters = {"max_children": ${v}}\n`)).toMatch(/parameters\.max_children must be a whole number of at least 1/);
    });

    test.each(['max_property_bytes', 'max_properties', 'session_hours', 'signin_failures'])('parameters.%s of 0, -1, 1.5 or "10"', (key) => {
      for (const v of [0, -1, 1.5, '"10"']) {
        expect(errorOf(`[Space]\nparameters = {"${key}": ${v}}\n`)).toBe(`configuration: parameters.${key} must be a whole number of at least 1`);
      }
    });

    test('parameters.trust_proxy: true, false, a hop count or addresses; anything else refused', () => {
      for (const [v, want] of [['true', true], ['false', false], ['1', 1], ['"loopback"', 'loopback'], ['"10.0.0.1, 10.0.0.2"', '10.0.0.1, 10.0.0.2']] as const) {
        expect(parseConfig(`[Space]\nparameters = {"trust_proxy": ${v}}\n`).space.trustProxy).toBe(want);
      }
      for (const v of ['-1', '1.5', '""', '[]', 'null']) {
        expect(errorOf(`[Space]\nparameters = {"trust_proxy": ${v}}\n`)).toMatch(/^configuration: parameters\.trust_proxy must be true, false, a number of proxies/);
      }
    });

    test('metrics_allow: addresses, subnets, proxy-addr\'s names, or none; anything else refused with what is expected', () => {
      const allow = (v: string) => parseConfig(`[Space]\nmetrics_allow = ${v}\n`).space.metricsAllow;
      expect(allow('127.0.0.1, ::1')).toEqual(['127.0.0.1', '::1']);
      expect(allow('10.1.2.0/24,Loopback , fd00::/8')).toEqual(['10.1.2.0/24', 'loopback', 'fd00::/8']);
      expect(allow('none')).toEqual([]);
      expect(allow('')).toEqual(['loopback']);
      for (const v of ['prometheus.example.org', '10.0.0.1/33', '127.0.0.1,,::1', '300.1.1.1', 'any']) {
        const msg = errorOf(`[Space]\nmetrics_allow = ${v}\n`);
        expect(msg.startsWith(`configuration: metrics_allow = ${v}: `)).toBe(true);
        expect(msg).toMatch(/; expected addresses or subnets \(127\.0\.0\.1, ::1, 10\.0\.0\.0\/8\), loopback, linklocal, uniquelocal, or none$/);
      }
    });

    test('[Storage] parameters.cors_origins: a JSON list or a comma-separated string of origins; anything else refused', () => {
      const origins = (v: string) => parseConfig(`[Storage]\nparameters = {"cors_origins": ${v}}\n`).storage.corsOrigins;
      expect(origins('["https://portal.example.org", "http://localhost:5173"]')).toEqual(['https://portal.example.org', 'http://localhost:5173']);
      expect(origins('"https://portal.example.org, http://[::1]:8080 ,http://a.example:80/"')).toEqual(['https://portal.example.org', 'http://[::1]:8080', 'http://a.example']);
      expect(origins('[]')).toEqual([]);
      for (const v of ['"https://portal.example.org/app"', '["ftp://x.example"]', '["*"]', '"not a url"', '[1]', '{"a": 1}', 'true']) {
        expect(errorOf(`[Storage]\nparameters = {"cors_origins": ${v}}\n`)).toMatch(/^configuration: \[Storage\] parameters\.cors_origins/);
      }
    });

    test('parameters.web_root: a path, resolved; anything else refused', () => {
      expect(parseConfig('[Space]\nparameters = {"web_root": "/srv/portal"}\n').space.webRoot).toBe('/srv/portal');
      for (const v of ['""', '1', '["/x"]']) expect(errorOf(`[Space]\nparameters = {"web_root": ${v}}\n`)).toBe('configuration: [Space] parameters.web_root must be a path');
    });

    test('use_ssl = 1 without cert_file, or without key_file, in either section', () => {
      expect(errorOf('[Space]\nuse_ssl = 1\n')).toMatch(/\[Space\] use_ssl = 1 needs cert_file and key_file/);
      expect(errorOf('[Space]\nuse_ssl = 1\ncert_file = /c.pem\n')).toMatch(/\[Space\] use_ssl = 1 needs cert_file and key_file/);
      expect(errorOf('[Space]\nuse_ssl = 1\nkey_file = /k.pem\n')).toMatch(/\[Space\] use_ssl = 1 needs cert_file and key_file/);
      expect(errorOf('[Storage]\nuse_ssl = 1\ncert_file = /c.pem\n')).toMatch(/\[Storage\] use_ssl = 1 needs cert_file and key_file/);
    });

    test('a dsn that is not a postgres:// URL', () => {
      expect(errorOf('[Space]\ndsn = mysql://u@h/db\n')).toMatch(/dsn must be a postgres:\/\/ URL/);
    });

    test('a uri that is not a host-like authority', () => {
      expect(errorOf('[Space]\nuri = vos://example.org!vospace\n')).toMatch(/uri = vos:\/\/example.org!vospace is not a host-like authority/);
    });
  });
});

test('the default web_root is web/dist of the package, wherever the service is started from', () => {
  const out = execFileSync(process.execPath, ['-e', `process.stdout.write(require(${JSON.stringify(path.resolve(__dirname, '..', 'dist', 'src', 'config.js'))}).parseConfig('').space.webRoot)`], {
    cwd: os.tmpdir(),
    encoding: 'utf8',
  });
  expect(out).toBe(WEB_DIST);
});

describe('loadConfig', () => {
  test('no argument and no VOSPACE_CONFIG: the defaults', () => {
    const c = loadConfig();
    expect(c.file).toBeUndefined();
    expect(c).toEqual(parseConfig(''));
  });

  test('reads the file it is given', () => {
    const file = writeIni('given.ini', PYVOSPACE_INI);
    const c = loadConfig(file);
    expect(c.file).toBe(file);
    expect(c.space.port).toBe(8443);
    expect(c.space.maxChildren).toBe(50);
    expect(c.storage.parameters).toEqual({ root_dir: '/tmp/x', staging_dir: '/tmp/y' });
  });

  test('a relative path is recorded as an absolute one', () => {
    const file = writeIni('rel.ini', '[Space]\nport = 9001\n');
    const rel = path.relative(process.cwd(), file);
    const c = loadConfig(rel);
    expect(c.file).toBe(file);
    expect(c.space.port).toBe(9001);
  });

  test('VOSPACE_CONFIG is used when no file is given', () => {
    const file = writeIni('env.ini', '[Space]\nport = 9123\nname = from-env\n[Storage]\nparameters = {"root_dir": "/tmp/x"}\n');
    process.env.VOSPACE_CONFIG = file;
    const c = loadConfig();
    expect(c.file).toBe(file);
    expect(c.space.port).toBe(9123);
    expect(c.space.name).toBe('from-env');
    expect(c.storage.parameters).toEqual({ root_dir: '/tmp/x' });
  });

  test('an explicit file wins over VOSPACE_CONFIG', () => {
    process.env.VOSPACE_CONFIG = writeIni('env.ini', '[Space]\nport = 9123\n');
    const file = writeIni('arg.ini', '[Space]\nport = 9124\n');
    expect(loadConfig(file).space.port).toBe(9124);
  });

  test('a missing file is an error naming it', () => {
    const missing = path.join(dir, 'nope.ini');
    expect(() => loadConfig(missing)).toThrow(/^configuration: cannot read .*nope\.ini/);
    process.env.VOSPACE_CONFIG = missing;
    expect(() => loadConfig()).toThrow(/^configuration: cannot read .*nope\.ini/);
  });

  test('errors in a file are reported too', () => {
    const file = writeIni('bad.ini', '[Space]\nport = 123456\n');
    expect(() => loadConfig(file)).toThrow(/port = 123456 is not a whole number/);
  });
});
