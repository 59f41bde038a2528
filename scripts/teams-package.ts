/*
 * Builds the Microsoft Teams app package: dist/teams/app-package.zip with manifest.json (schema 1.17,
 * personal scope), a French localisation file, and the two icons Teams requires (generated here, so
 * nothing binary is committed):
 *
 *   color.png    192×192, full colour
 *   outline.png   32×32, white on transparent
 *
 * The app id and the bot id are MicrosoftAppId (the Azure Bot registration's app id). Names and
 * descriptions come from locales/<lang>/widget.json (`teams.*`), with BRAND_NAME.
 *
 *   MicrosoftAppId=<guid> PUBLIC_URL=https://bot.example.com npm run teams:package
 *
 * Options (flags win over the environment):
 *   --version 1.2.0        app version (TEAMS_APP_VERSION; default 1.0.0)
 *   --developer "Acme SA"  developer name (TEAMS_DEVELOPER_NAME; default BRAND_NAME)
 *   --website URL          https (TEAMS_WEBSITE_URL; default PUBLIC_URL)
 *   --privacy URL          https (TEAMS_PRIVACY_URL; default PUBLIC_URL/privacy)
 *   --terms URL            https (TEAMS_TERMS_URL; default PUBLIC_URL/terms)
 *   --out DIR              output folder (default dist/teams)
 *
 * The output is byte-for-byte reproducible (fixed timestamps in the zip).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { crc32, deflateRawSync, deflateSync } from 'node:zlib';
import { loadResources } from '../src/i18n';

export interface TeamsPackageOptions {
  appId: string;
  brand: string;
  version: string;
  developerName: string;
  websiteUrl: string;
  privacyUrl: string;
  termsUrl: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ACCENT = '#12355B';

export class PackageError extends Error {}

// ------------------------------------------------------------------ manifest

function text(lang: 'en' | 'fr', key: string, brand: string): string {
  const teams = (loadResources()[lang].widget as { teams: Record<string, string> }).teams;
  const value = teams[key];
  if (typeof value !== 'string') throw new PackageError(`locales/${lang}/widget.json: teams.${key} is missing`);
  return value.replace(/\{\{\s*brand\s*\}\}/g, brand);
}

/** Teams' length limits (manifest schema 1.17); an overlong value is an error, not a silent cut. */
function limited(value: string, max: number, what: string): string {
  if (value.length > max) throw new PackageError(`${what} is ${value.length} characters; Teams allows ${max}: "${value}" (shorten BRAND_NAME or the locale text)`);
  return value;
}

function strings(lang: 'en' | 'fr', brand: string) {
  return {
    shortName: limited(text(lang, 'shortName', brand), 30, `name.short (${lang})`),
    fullName: limited(text(lang, 'fullName', brand), 100, `name.full (${lang})`),
    shortDescription: limited(text(lang, 'shortDescription', brand), 80, `description.short (${lang})`),
    fullDescription: limited(text(lang, 'fullDescription', brand), 4000, `description.full (${lang})`),
    commands: [
      { title: limited(text(lang, 'helpCommand', brand), 32, `command title (${lang})`), description: limited(text(lang, 'helpDescription', brand), 128, `command description (${lang})`) },
      { title: limited(text(lang, 'menuCommand', brand), 32, `command title (${lang})`), description: limited(text(lang, 'menuDescription', brand), 128, `command description (${lang})`) },
    ],
  };
}

export function buildManifest(o: TeamsPackageOptions): { manifest: object; french: object } {
  if (!GUID.test(o.appId)) throw new PackageError(`MicrosoftAppId must be the Azure Bot's app id (a GUID), not "${o.appId}"`);
  if (!/^\d{1,4}\.\d{1,4}\.\d{1,4}$/.test(o.version)) throw new PackageError(`the version must look like 1.0.0, not "${o.version}"`);
  for (const [what, url] of [['website', o.websiteUrl], ['privacy', o.privacyUrl], ['terms of use', o.termsUrl]]) {
    if (!/^https:\/\/[^\s]+$/.test(url)) throw new PackageError(`the ${what} URL must be an https URL (Teams requires it), not "${url}"`);
  }
  const en = strings('en', o.brand);
  const fr = strings('fr', o.brand);
  const manifest = {
    $schema: 'https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json',
    manifestVersion: '1.17',
    version: o.version,
    id: o.appId,
    developer: { name: limited(o.developerName, 32, 'developer.name'), websiteUrl: o.websiteUrl, privacyUrl: o.privacyUrl, termsOfUseUrl: o.termsUrl },
    name: { short: en.shortName, full: en.fullName },
    description: { short: en.shortDescription, full: en.fullDescription },
    icons: { color: 'color.png', outline: 'outline.png' },
    accentColor: ACCENT,
    bots: [
      {
        botId: o.appId,
        scopes: ['personal'],
        // Files sent in Teams arrive as SharePoint download links, which the proof step does not
        // fetch (it downloads from the bot's own origins only): users type a payment reference instead.
        supportsFiles: false,
        isNotificationOnly: false,
        commandLists: [{ scopes: ['personal'], commands: en.commands }],
      },
    ],
    permissions: ['identity', 'messageTeamMembers'],
    validDomains: [],
    localizationInfo: {
      defaultLanguageTag: 'en',
      additionalLanguages: [{ languageTag: 'fr', file: 'fr.json' }],
    },
  };
  const french = {
    $schema: 'https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.Localization.schema.json',
    'name.short': fr.shortName,
    'name.full': fr.fullName,
    'description.short': fr.shortDescription,
    'description.full': fr.fullDescription,
    'bots[0].commandLists[0].commands[0].title': fr.commands[0].title,
    'bots[0].commandLists[0].commands[0].description': fr.commands[0].description,
    'bots[0].commandLists[0].commands[1].title': fr.commands[1].title,
    'bots[0].commandLists[0].commands[1].description': fr.commands[1].description,
  };
  return { manifest, french };
}

// ------------------------------------------------------------------ icons

type Rgba = [number, number, number, number];

/** Encodes RGBA pixels as a PNG (8-bit, colour type 6, no interlace). */
export function encodePng(width: number, height: number, pixel: (x: number, y: number) => Rgba): Buffer {
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const [r, g, b, a] = pixel(x, y);
      raw.set([r, g, b, a], y * (width * 4 + 1) + 1 + x * 4);
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Coverage (0..1) of a point by the speech-bubble shape, in a unit square. */
function bubble(u: number, v: number, stroke?: number): number {
  // Rounded rectangle from (0.18,0.22) to (0.82,0.66), radius 0.12, plus a tail at the bottom left.
  const inRoundRect = (x: number, y: number, x0: number, y0: number, x1: number, y1: number, r: number) => {
    const cx = Math.min(Math.max(x, x0 + r), x1 - r);
    const cy = Math.min(Math.max(y, y0 + r), y1 - r);
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r && x >= x0 && x <= x1 && y >= y0 && y <= y1;
  };
  const inTail = (x: number, y: number) => y >= 0.6 && y <= 0.82 && x >= 0.3 && x <= 0.3 + (0.82 - y) * 0.9 && x <= 0.48;
  const inside = (x: number, y: number) => inRoundRect(x, y, 0.18, 0.22, 0.82, 0.66, 0.12) || inTail(x, y);
  if (stroke === undefined) return inside(u, v) ? 1 : 0;
  // Outline: inside the shape but not inside the shape shrunk by `stroke`.
  const inner = (x: number, y: number) => inRoundRect(x, y, 0.18 + stroke, 0.22 + stroke, 0.82 - stroke, 0.66 - stroke, Math.max(0.12 - stroke, 0.01));
  return inside(u, v) && !inner(u, v) ? 1 : 0;
}

/** Supersampled (4×4) coverage of one pixel. */
function coverage(x: number, y: number, size: number, shape: (u: number, v: number) => number): number {
  let sum = 0;
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) sum += shape((x + (i + 0.5) / 4) / size, (y + (j + 0.5) / 4) / size);
  return sum / 16;
}

export function colorIcon(): Buffer {
  const size = 192;
  const bg: Rgba = [0x12, 0x35, 0x5b, 255];
  const mix = (a: number, b: number, t: number) => Math.round(a * (1 - t) + b * t);
  return encodePng(size, size, (x, y) => {
    // A white bubble on the accent colour, with three dots in the accent colour inside it.
    const c = coverage(x, y, size, (u, v) => bubble(u, v));
    const dots = coverage(x, y, size, (u, v) => ([0.36, 0.5, 0.64].some((cx) => (u - cx) ** 2 + (v - 0.44) ** 2 <= 0.045 ** 2) ? 1 : 0));
    const t = c * (1 - dots);
    return [mix(bg[0], 255, t), mix(bg[1], 255, t), mix(bg[2], 255, t), 255];
  });
}

export function outlineIcon(): Buffer {
  const size = 32;
  return encodePng(size, size, (x, y) => [255, 255, 255, Math.round(255 * coverage(x, y, size, (u, v) => bubble(u, v, 0.09)))]);
}

// ------------------------------------------------------------------ zip

/** A stored-or-deflated ZIP (no zip64, no encryption), with fixed timestamps for reproducible output. */
export function zip(files: { name: string; data: Buffer }[]): Buffer {
  const DOS_TIME = 0; // 00:00:00
  const DOS_DATE = (2025 - 1980) << 9 | (1 << 5) | 1; // 2025-01-01
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name, 'utf8');
    const deflated = deflateRawSync(f.data, { level: 9 });
    const crc = crc32(f.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(deflated.length, 18);
    local.writeUInt32LE(f.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
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
    central.writeUInt32LE(f.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, deflated);
    centrals.push(central, name);
    offset += local.length + name.length + deflated.length;
  }
  const centralDir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralDir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDir, end]);
}

// ------------------------------------------------------------------ the package

export function buildTeamsPackage(o: TeamsPackageOptions): Buffer {
  const { manifest, french } = buildManifest(o);
  return zip([
    { name: 'manifest.json', data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) },
    { name: 'fr.json', data: Buffer.from(`${JSON.stringify(french, null, 2)}\n`) },
    { name: 'color.png', data: colorIcon() },
    { name: 'outline.png', data: outlineIcon() },
  ]);
}

/** Options from flags and the environment (the same variable names as the bot's configuration). */
export function optionsFrom(argv: string[], env: NodeJS.ProcessEnv): TeamsPackageOptions & { out: string } {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new PackageError(`unexpected argument "${argv[i]}"`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new PackageError(`--${m[1]} needs a value`);
    flags.set(m[1], value);
  }
  const known = ['version', 'developer', 'website', 'privacy', 'terms', 'out'];
  for (const k of flags.keys()) if (!known.includes(k)) throw new PackageError(`unknown option --${k} (known: ${known.map((x) => `--${x}`).join(', ')})`);
  const appId = env.MicrosoftAppId?.trim();
  if (!appId) throw new PackageError('MicrosoftAppId is not set: it is the app id of your Azure Bot registration (see docs/teams.md)');
  const brand = env.BRAND_NAME?.trim() || 'Support';
  const pub = env.PUBLIC_URL?.trim().replace(/\/+$/, '');
  const pick = (flag: string, name: string, fallback?: string) => flags.get(flag) ?? env[name]?.trim() ?? fallback;
  const need = (flag: string, name: string, fallback?: string) => {
    const v = pick(flag, name, fallback);
    if (!v) throw new PackageError(`set --${flag} (or ${name}), or PUBLIC_URL to derive it`);
    return v;
  };
  return {
    appId,
    brand,
    version: pick('version', 'TEAMS_APP_VERSION', '1.0.0')!,
    developerName: pick('developer', 'TEAMS_DEVELOPER_NAME', brand)!,
    websiteUrl: need('website', 'TEAMS_WEBSITE_URL', pub),
    privacyUrl: need('privacy', 'TEAMS_PRIVACY_URL', pub && `${pub}/privacy`),
    termsUrl: need('terms', 'TEAMS_TERMS_URL', pub && `${pub}/terms`),
    out: resolve(flags.get('out') ?? join(__dirname, '..', ...(__dirname.includes('/dist/') ? ['..'] : []), 'dist', 'teams')),
  };
}

if (require.main === module) {
  try {
    const o = optionsFrom(process.argv.slice(2), process.env);
    const pkg = buildTeamsPackage(o);
    mkdirSync(o.out, { recursive: true });
    const file = join(o.out, 'app-package.zip');
    writeFileSync(file, pkg);
    process.stdout.write(`Teams app package: ${file} (${pkg.length} bytes, app id ${o.appId}, version ${o.version})\n`);
  } catch (err) {
    if (err instanceof PackageError) {
      process.stderr.write(`teams-package: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
