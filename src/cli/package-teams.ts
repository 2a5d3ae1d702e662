/**
 * Builds the Teams app package: manifest/teams/manifest.json with your bot's app id filled in, and its two icons,
 * zipped at the root of one file ready to upload in Teams (Apps → Manage your apps → Upload an app).
 *
 *   MicrosoftAppId=<guid> npm run package:teams                  writes dist/teams/cse-guidance-teams.zip
 *   MicrosoftAppId=<guid> npm run package:teams -- --out x.zip   writes x.zip
 *
 * Exits 1 if MicrosoftAppId is unset or not a GUID, 64 on bad arguments. The zip is written with Node alone
 * (deflate and CRC-32 from node:zlib).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';

export const PACKAGE_TEAMS_EXIT = { ok: 0, error: 1, usage: 64 } as const;

/** The placeholder manifest.json carries wherever the bot's app id goes. */
export const APP_ID_PLACEHOLDER = '${{MicrosoftAppId}}';
export const MANIFEST_DIR = resolve(__dirname, '../../manifest/teams');
export const DEFAULT_OUT = resolve(__dirname, '../../dist/teams/cse-guidance-teams.zip');
export const PACKAGE_FILES = ['manifest.json', 'color.png', 'outline.png'] as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isGuid = (s: string): boolean => GUID.test(s);

/** The manifest with every placeholder replaced by the app id (which is also the Teams app `id`, a GUID). */
export function fillManifest(manifestText: string, appId: string): Record<string, unknown> {
  if (!isGuid(appId)) throw new Error(`MicrosoftAppId must be a GUID (the Azure Bot's Microsoft App ID), got "${appId}"`);
  const filled = manifestText.split(APP_ID_PLACEHOLDER).join(appId);
  const manifest = JSON.parse(filled) as Record<string, unknown>;
  if (typeof manifest.id !== 'string' || !isGuid(manifest.id)) manifest.id = appId;
  return manifest;
}

export interface ZipEntry {
  name: string;
  data: Buffer;
}

/** A minimal ZIP (deflated entries, local headers, central directory, end record); fixed 1980-01-01 timestamps. */
export function zip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  const DOS_TIME = 0;
  const DOS_DATE = (0 << 9) | (1 << 5) | 1;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const deflated = deflateRawSync(entry.data);
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(deflated.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, deflated);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // version made by
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(deflated.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    // extra, comment, disk, internal attributes: 0; external attributes: 0; then the local header's offset.
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + deflated.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** Writes the package; returns its path. */
export function packageTeams(appId: string, out = DEFAULT_OUT, manifestDir = MANIFEST_DIR): string {
  const manifest = fillManifest(readFileSync(join(manifestDir, 'manifest.json'), 'utf8'), appId);
  const entries: ZipEntry[] = [
    { name: 'manifest.json', data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8') },
    { name: 'color.png', data: readFileSync(join(manifestDir, 'color.png')) },
    { name: 'outline.png', data: readFileSync(join(manifestDir, 'outline.png')) },
  ];
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, zip(entries));
  return out;
}

export function runPackageTeams(args: string[], env: NodeJS.ProcessEnv, out: (line: string) => void, err: (line: string) => void): number {
  let target = DEFAULT_OUT;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--out' && args[i + 1]) target = resolve(args[++i]!);
    else if (arg.startsWith('--out=')) target = resolve(arg.slice('--out='.length));
    else {
      err(`unknown argument "${arg}" (usage: npm run package:teams [-- --out <file.zip>])`);
      return PACKAGE_TEAMS_EXIT.usage;
    }
  }
  const appId = env.MicrosoftAppId?.trim() ?? '';
  if (!appId) {
    err('MicrosoftAppId is not set: set it to the Azure Bot\'s Microsoft App ID (a GUID), e.g. MicrosoftAppId=<guid> npm run package:teams');
    return PACKAGE_TEAMS_EXIT.error;
  }
  if (!isGuid(appId)) {
    err(`MicrosoftAppId is not a GUID ("${appId}"): set it to the Azure Bot's Microsoft App ID`);
    return PACKAGE_TEAMS_EXIT.error;
  }
  out(`wrote ${packageTeams(appId, target)}`);
  return PACKAGE_TEAMS_EXIT.ok;
}

if (require.main === module) {
  try {
    process.loadEnvFile?.();
  } catch {
    // No .env: the environment alone.
  }
  process.exitCode = runPackageTeams(process.argv.slice(2), process.env, (l) => console.log(l), (l) => console.error(l));
}
