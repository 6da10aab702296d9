/**
 * Node names, paths and vos:// URIs (src/domain/paths.ts). Every rejection
 * must be a VOSpaceFault carrying InvalidURI, whichever door the path came in by.
 */
import { MAX_NAME_BYTES, NodeUris, checkName, pathFromEncoded, pathFromPlain } from '../../src/domain/paths';
import { expectFault } from '../helpers/faults';

const uris = new NodeUris('example.org');
const PREFIX = 'vos://example.org!vospace';

describe('checkName', () => {
  test.each([
    ['empty', ''],
    ['dot', '.'],
    ['dot-dot', '..'],
    ['a slash', 'a/b'],
    ['only a slash', '/'],
    ['NUL', 'a\u0000b'],
    ['a tab', 'a\tb'],
    ['a newline', 'a\nb'],
    ['a carriage return', 'a\rb'],
    ['an escape', '\u001b[31mred'],
    ['DEL', 'a\u007fb'],
    ['a C1 control', 'a\u0085b'],
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', 'a\udc00'],
    ['a reversed surrogate pair', '\udc00\ud800'],
    ['256 ASCII bytes', 'x'.repeat(MAX_NAME_BYTES + 1)],
    ['128 two-byte characters (256 bytes)', 'é'.repeat(128)],
    ['64 four-byte characters plus one byte (257 bytes)', '😀'.repeat(64) + 'x'],
  ])('rejects %s', (_label, name) => {
    expectFault('InvalidURI', () => checkName(name));
  });

  test.each([
    ['spaces', 'my file.fits'],
    ['a percent sign', '100%'],
    ['a literal %2e%2e', '%2e%2e'],
    ['a hash and question mark', 'a#b?c'],
    ['three dots', '...'],
    ['a leading dot', '.hidden'],
    ['unicode', 'données-Ω-日本'],
    ['an astral character', '😀'],
    ['! and ~', 'a!b~c'],
    ['the reserved .auto', '.auto'],
  ])('accepts %s', (_label, name) => {
    expect(checkName(name)).toBe(name);
  });

  test('the byte limit is 255 UTF-8 bytes, counted as bytes not characters', () => {
    expect(MAX_NAME_BYTES).toBe(255);
    const ascii = 'x'.repeat(255);
    expect(checkName(ascii)).toBe(ascii);
    const twoByte = 'é'.repeat(127) + 'x'; // 255 bytes, 128 characters
    expect(Buffer.byteLength(twoByte)).toBe(255);
    expect(checkName(twoByte)).toBe(twoByte);
    const fourByte = '😀'.repeat(63) + 'xyz'; // 255 bytes
    expect(Buffer.byteLength(fourByte)).toBe(255);
    expect(checkName(fourByte)).toBe(fourByte);
  });
});

describe('pathFromEncoded (URL paths and the path part of node URIs)', () => {
  test('decodes each segment and joins with /', () => {
    expect(pathFromEncoded('alice/my%20file/100%25')).toBe('alice/my file/100%');
    expect(pathFromEncoded('/alice/d%C3%A9j%C3%A0')).toBe('alice/déjà');
    expect(pathFromEncoded('a%23b/c%3Fd')).toBe('a#b/c?d');
  });

  test('the root is the empty path', () => {
    expect(pathFromEncoded('')).toBe('');
    expect(pathFromEncoded('/')).toBe('');
  });

  test('doubled and trailing slashes are tolerated', () => {
    expect(pathFromEncoded('//alice//d/')).toBe('alice/d');
    expect(pathFromEncoded('alice///d')).toBe('alice/d');
  });

  test.each([
    ['..', 'alice/../bob'],
    ['. segment', 'alice/./x'],
    ['%2e%2e', 'alice/%2e%2e/bob'],
    ['%2E%2E', 'alice/%2E%2E'],
    ['.%2e', 'alice/.%2e/bob'],
    ['%2e', 'alice/%2e'],
    ['%2f inside a segment', 'alice/a%2fb'],
    ['%2F inside a segment', 'alice/a%2Fb'],
    ['..%2f', 'alice/..%2fbob'],
    ['%00', 'alice/a%00b'],
    ['%00 alone', 'alice/%00'],
    ['%0a', 'alice/a%0ab'],
    ['%1b', 'alice/%1b'],
    ['%7f', 'alice/a%7f'],
    ['%c2%85 (C1 NEL)', 'alice/a%c2%85'],
    ['a lone %', 'alice/100%'],
    ['%zz', 'alice/%zz'],
    ['a truncated escape', 'alice/%4'],
    ['a truncated UTF-8 sequence', 'alice/%e2%82'],
    ['an overlong UTF-8 encoding of /', 'alice/a%c0%afb'],
    ['an invalid UTF-8 byte', 'alice/%ff'],
    ['an encoded surrogate (CESU-8)', 'alice/%ed%a0%80'],
    ['a 256-byte name', `alice/${'x'.repeat(256)}`],
    ['a 256-byte name, percent-encoded', `alice/${'%C3%A9'.repeat(128)}`],
  ])('rejects %s', (_label, encoded) => {
    expectFault('InvalidURI', () => pathFromEncoded(encoded));
  });

  test('a 255-byte name is accepted, also when percent-encoded', () => {
    expect(pathFromEncoded(`alice/${'x'.repeat(255)}`)).toBe(`alice/${'x'.repeat(255)}`);
    expect(pathFromEncoded(`alice/${'%C3%A9'.repeat(127)}x`)).toBe(`alice/${'é'.repeat(127)}x`);
  });

  test('a path over the total byte limit is rejected', () => {
    expectFault('InvalidURI', () => pathFromEncoded(Array.from({ length: 20 }, () => 'x'.repeat(250)).join('/')));
  });
});

describe('pathFromPlain (GraphQL, CLI)', () => {
  test('takes names as they are, without decoding', () => {
    expect(pathFromPlain('/alice/100%/a%2fb')).toBe('alice/100%/a%2fb');
    expect(pathFromPlain('alice/my file')).toBe('alice/my file');
    expect(pathFromPlain('/')).toBe('');
    expect(pathFromPlain('')).toBe('');
    expect(pathFromPlain('//alice//x')).toBe('alice/x');
  });

  test.each([
    ['..', '/alice/../bob'],
    ['.', '/alice/./x'],
    ['a trailing ..', 'alice/..'],
    ['NUL', '/alice/a\u0000'],
    ['a newline', '/alice/a\nb'],
    ['a lone surrogate', '/alice/\ud83d'],
    ['a 256-byte name', `/alice/${'y'.repeat(256)}`],
  ])('rejects %s', (_label, plain) => {
    expectFault('InvalidURI', () => pathFromPlain(plain));
  });

  test('a 255-byte name is accepted', () => {
    expect(pathFromPlain(`/alice/${'y'.repeat(255)}`)).toBe(`alice/${'y'.repeat(255)}`);
  });
});

describe('NodeUris.parse', () => {
  test('the ! form', () => {
    expect(uris.parse(`${PREFIX}/alice/d`)).toBe('alice/d');
  });

  test('the ~ form used by the CADC client', () => {
    expect(uris.parse('vos://example.org~vospace/alice/d')).toBe('alice/d');
  });

  test('the root, with and without a trailing slash', () => {
    expect(uris.parse(PREFIX)).toBe('');
    expect(uris.parse(`${PREFIX}/`)).toBe('');
    expect(uris.parse('vos://example.org~vospace')).toBe('');
  });

  test('a bare path', () => {
    expect(uris.parse('/alice/d')).toBe('alice/d');
    expect(uris.parse('/alice/my%20file')).toBe('alice/my file');
    expect(uris.parse('/')).toBe('');
  });

  test('a doubled slash', () => {
    expect(uris.parse(`${PREFIX}//alice/d`)).toBe('alice/d');
    expect(uris.parse(`${PREFIX}/alice//d`)).toBe('alice/d');
  });

  test('the scheme and authority compare case-insensitively', () => {
    expect(uris.parse('VOS://Example.ORG!vospace/alice')).toBe('alice');
  });

  test('! and ~ inside the path are just characters of a name', () => {
    expect(uris.parse(`${PREFIX}/alice/a!b~c`)).toBe('alice/a!b~c');
  });

  test('percent-encoded #, ? and / are decoded (and an encoded / rejected)', () => {
    expect(uris.parse(`${PREFIX}/alice/a%23b%3Fc`)).toBe('alice/a#b?c');
    expectFault('InvalidURI', () => uris.parse(`${PREFIX}/alice/a%2Fb`));
  });

  test.each([
    ['another authority', 'vos://other.org!vospace/alice'],
    ['an authority that only starts like ours', 'vos://example.org.evil!vospace/alice'],
    ['another service name', 'vos://example.org!other/alice'],
    ['no service part', 'vos://example.org/alice'],
    ['another scheme', 'http://example.org!vospace/alice'],
    ['an https URL', 'https://example.org/vospace/nodes/alice'],
    ['a relative path', 'alice/d'],
    ['an empty string', ''],
    ['only spaces', '   '],
    ['a query', `${PREFIX}/alice/d?x=1`],
    ['a bare query', `${PREFIX}/alice?`],
    ['a fragment', `${PREFIX}/alice/d#frag`],
    ['..', `${PREFIX}/alice/../bob`],
    ['%2e%2e', `${PREFIX}/alice/%2e%2e/bob`],
    ['%2e%2e in a bare path', '/alice/%2e%2e/bob'],
    ['. in a bare path', '/alice/./x'],
    ['%2f in a segment', `${PREFIX}/alice/a%2fb`],
    ['%00', `${PREFIX}/alice/a%00`],
    ['a raw control character', `${PREFIX}/alice/a\u0001b`],
    ['bad percent-encoding', `${PREFIX}/alice/%G1`],
    ['a lone %', `${PREFIX}/alice/50%`],
    ['an encoded lone surrogate', `${PREFIX}/alice/%ed%b0%80`],
    ['a 256-byte name', `${PREFIX}/alice/${'z'.repeat(256)}`],
  ])('rejects %s', (_label, uri) => {
    expectFault('InvalidURI', () => uris.parse(uri));
  });

  test('a 255-byte name is accepted', () => {
    expect(uris.parse(`${PREFIX}/alice/${'z'.repeat(255)}`)).toBe(`alice/${'z'.repeat(255)}`);
  });
});

describe('NodeUris.format', () => {
  test('the root and a plain path', () => {
    expect(uris.format('')).toBe(PREFIX);
    expect(uris.format('alice/d')).toBe(`${PREFIX}/alice/d`);
  });

  test('always answers in the ! form, whichever form came in', () => {
    expect(uris.format(uris.parse('vos://example.org~vospace/alice/x'))).toBe(`${PREFIX}/alice/x`);
    expect(uris.format(uris.parse('/alice/x'))).toBe(`${PREFIX}/alice/x`);
  });

  test('escapes what would otherwise end or split the path', () => {
    const uri = uris.format('alice/a b/100%/x#y?z');
    expect(uri).toBe(`${PREFIX}/alice/a%20b/100%25/x%23y%3Fz`);
    expect(uri.slice(PREFIX.length)).not.toMatch(/[ #?]/);
  });

  test.each([
    ['spaces', 'alice/my data/file name.fits'],
    ['a percent sign', 'alice/100%'],
    ['something that looks encoded', 'alice/%2e%2e/%2F'],
    ['a hash', 'alice/#1'],
    ['a question mark', 'alice/why?'],
    ['all of them', 'alice/a #?%b/c'],
    ['unicode', 'alice/données/日本語/Ω'],
    ['an astral character', 'alice/😀'],
    ['! and ~', 'alice/a!b/c~d'],
    ['dots that are not . or ..', 'alice/.../.x/x.'],
    ['a 255-byte name', `alice/${'é'.repeat(127)}x`],
  ])('format then parse gives back the path: %s', (_label, path) => {
    const uri = uris.format(path);
    expect(uris.parse(uri)).toBe(path);
    // The ~ form and the bare path form of the same node agree.
    expect(uris.parse(uri.replace('!vospace', '~vospace'))).toBe(path);
    expect(uris.parse(uri.slice(PREFIX.length))).toBe(path);
  });

  test('another service name is kept in the prefix', () => {
    const other = new NodeUris('Example.org', 'space');
    expect(other.format('a')).toBe('vos://Example.org!space/a');
    expect(other.parse('vos://example.org!space/a')).toBe('a');
    expectFault('InvalidURI', () => other.parse(`${PREFIX}/a`));
  });
});
