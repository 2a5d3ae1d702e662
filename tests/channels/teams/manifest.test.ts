/**
 * The Teams app package: manifest/teams/manifest.json (with an app id filled in, as `npm run package:teams` does)
 * against Microsoft's own bundled manifest schema, offline; the icons as Teams requires them; and the zip that
 * package-teams writes, read back with a central-directory parser of our own.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import nock from 'nock';
import { AppManifestUtils, type AppManifest } from '@microsoft/app-manifest';
import { APP_ID_PLACEHOLDER, fillManifest, packageTeams, runPackageTeams } from '../../../src/cli/package-teams';

// strip-bom 5 (a dependency of @microsoft/app-manifest) is ESM only, which jest on Node 20 cannot require; this is
// the whole of what it does.
jest.mock('../../../node_modules/@microsoft/app-manifest/node_modules/strip-bom', () => ({
  __esModule: true,
  default: (s: string) => (s.charCodeAt(0) === 0xfeff ? s.slice(1) : s),
}));

const DIR = resolve(__dirname, '../../../manifest/teams');
const APP_ID = '5f8c1a2e-6b3d-4e7f-9a10-bc2d3e4f5a6b';
const manifestText = readFileSync(join(DIR, 'manifest.json'), 'utf8');

interface Command {
  title: string;
  description: string;
}
interface Bot {
  botId: string;
  scopes: string[];
  commandLists: { scopes: string[]; commands: Command[] }[];
}

/** Width, height, colour type and whether a tRNS chunk exists: read from the PNG's chunks. */
function png(file: string) {
  const b = readFileSync(join(DIR, file));
  expect(b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  expect(b.toString('latin1', 12, 16)).toBe('IHDR');
  const chunks: string[] = [];
  for (let at = 8; at + 8 <= b.length; ) {
    const length = b.readUInt32BE(at);
    chunks.push(b.toString('latin1', at + 4, at + 8));
    at += 12 + length;
  }
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20), colourType: b[25], chunks };
}

/** The entries of a zip, found through its end record and central directory, inflated and CRC-checked. */
function unzip(zip: Buffer): Map<string, Buffer> {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(eocd).toBeGreaterThan(0);
  const count = zip.readUInt16LE(eocd + 10);
  const size = zip.readUInt32LE(eocd + 12);
  let at = zip.readUInt32LE(eocd + 16);
  expect(at + size).toBe(eocd);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressed = zip.readUInt32LE(at + 20);
    const uncompressed = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;

    expect(zip.readUInt32LE(localOffset)).toBe(0x04034b50);
    const localName = zip.toString('utf8', localOffset + 30, localOffset + 30 + zip.readUInt16LE(localOffset + 26));
    expect(localName).toBe(name);
    const start = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(start, start + compressed);
    expect(method).toBe(8);
    const data = inflateRawSync(raw);
    expect(data.length).toBe(uncompressed);
    expect(crc32(data)).toBe(crc);
    entries.set(name, data);
  }
  return entries;
}

describe('the Teams manifest', () => {
  let realFetch: typeof fetch;
  beforeAll(() => {
    nock.disableNetConnect();
    realFetch = global.fetch;
    global.fetch = () => Promise.reject(new Error('no network in the manifest test'));
  });
  afterAll(() => {
    global.fetch = realFetch;
    nock.enableNetConnect();
    nock.restore();
  });

  it('is valid against the bundled Teams manifest schema once the app id is filled in, without the network', async () => {
    const manifest = fillManifest(manifestText, APP_ID);
    expect(manifest.$schema).toMatch(/^https:\/\/developer\.microsoft\.com\/(en-us\/)?json-schemas\/teams\//);
    expect(JSON.stringify(manifest)).not.toContain(APP_ID_PLACEHOLDER);
    expect(manifest.id).toBe(APP_ID);
    const errors = await AppManifestUtils.validateAgainstSchema(manifest as unknown as AppManifest);
    expect(errors).toEqual([]);
  });

  it('reports a broken manifest (the validator is really checking)', async () => {
    const manifest = fillManifest(manifestText, APP_ID);
    delete manifest.name;
    const errors = await AppManifestUtils.validateAgainstSchema(manifest as unknown as AppManifest);
    expect(errors.join('\n')).toMatch(/name/);
  });

  it('lists help, toolkit and contacts for every bot scope, within Teams limits', () => {
    const manifest = fillManifest(manifestText, APP_ID);
    const bot = (manifest.bots as Bot[])[0]!;
    expect(bot.botId).toBe(APP_ID);
    for (const scope of ['personal', 'team', 'groupChat']) {
      const lists = bot.commandLists.filter((l) => l.scopes.includes(scope));
      expect(lists).toHaveLength(1);
      const titles = lists[0]!.commands.map((c) => c.title);
      expect(titles).toEqual(expect.arrayContaining(['help', 'toolkit', 'contacts']));
    }
    for (const list of bot.commandLists) {
      expect(list.commands.length).toBeLessThanOrEqual(10);
      for (const c of list.commands) {
        expect(c.title.length).toBeLessThanOrEqual(32);
        expect(c.description.length).toBeLessThanOrEqual(128);
      }
    }
  });

  it('refuses an app id that is not a GUID', () => {
    expect(() => fillManifest(manifestText, 'not-a-guid')).toThrow(/GUID/);
  });

  it('has a 192×192 colour icon and a 32×32 outline icon with transparency', () => {
    const color = png('color.png');
    expect([color.width, color.height]).toEqual([192, 192]);
    const outline = png('outline.png');
    expect([outline.width, outline.height]).toEqual([32, 32]);
    expect(outline.colourType === 6 || outline.chunks.includes('tRNS')).toBe(true);
  });
});

describe('package-teams', () => {
  it('writes a zip with the manifest (app id filled in) and both icons at its root', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cse-teams-pkg-')), 'app.zip');
    expect(packageTeams(APP_ID, out)).toBe(out);
    const entries = unzip(readFileSync(out));
    expect([...entries.keys()].sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    expect(entries.get('color.png')!.equals(readFileSync(join(DIR, 'color.png')))).toBe(true);
    expect(entries.get('outline.png')!.equals(readFileSync(join(DIR, 'outline.png')))).toBe(true);
    const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as { id: string; bots: Bot[] };
    expect(manifest.id).toBe(APP_ID);
    expect(manifest.bots[0]!.botId).toBe(APP_ID);
    expect(entries.get('manifest.json')!.toString('utf8')).not.toContain(APP_ID_PLACEHOLDER);
  });

  it('exits 1 naming MicrosoftAppId when it is unset or not a GUID, and honours --out', () => {
    const errors: string[] = [];
    const lines: string[] = [];
    expect(runPackageTeams([], {}, (l) => lines.push(l), (l) => errors.push(l))).toBe(1);
    expect(runPackageTeams([], { MicrosoftAppId: 'my-bot' }, (l) => lines.push(l), (l) => errors.push(l))).toBe(1);
    expect(errors).toHaveLength(2);
    for (const e of errors) expect(e).toContain('MicrosoftAppId');
    expect(lines).toEqual([]);

    const out = join(mkdtempSync(join(tmpdir(), 'cse-teams-pkg-')), 'nested', 'pkg.zip');
    expect(runPackageTeams(['--out', out], { MicrosoftAppId: APP_ID }, (l) => lines.push(l), (l) => errors.push(l))).toBe(0);
    expect(lines).toEqual([`wrote ${out}`]);
    expect(unzip(readFileSync(out)).size).toBe(3);
  });
});
