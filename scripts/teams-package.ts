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
 * The output is byte-for-byte reproducible (fixed timestamps and modes in the zip; yazl and pngjs).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { ZipFile } from 'yazl';
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
        // Personal chat is where customers talk to the bot. In a team or a group chat it answers only
        // when mentioned, and only to ask to continue in personal chat (no case is shown to a group).
        scopes: ['personal', 'team', 'groupChat'],
        // Files shared in personal chat (SharePoint / OneDrive download links) and pasted images are
        // taken as proof (docs/teams.md, TEAMS_FILE_HOSTS).
        supportsFiles: true,
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

/** Encodes RGBA pixels as a PNG (8-bit RGBA, no interlace) with pngjs. */
export function encodePng(width: number, height: number, pixel: (x: number, y: number) => Rgba): Buffer {
  const png = new PNG({ width, height, colorType: 6 });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) png.data.set(pixel(x, y), (y * width + x) * 4);
  }
  return PNG.sync.write(png, { colorType: 6, inputColorType: 6, bitDepth: 8, deflateLevel: 9 });
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

/** Every entry's time: fixed, so the same input gives the same bytes. */
const ZIP_MTIME = new Date(2025, 0, 1, 0, 0, 0);

/** A deflated ZIP written by yazl, with fixed timestamps and modes for reproducible output. */
export function zip(files: { name: string; data: Buffer }[]): Promise<Buffer> {
  const archive = new ZipFile();
  for (const f of files) archive.addBuffer(f.data, f.name, { mtime: ZIP_MTIME, mode: 0o100644, compressionLevel: 9, forceDosTimestamp: true });
  archive.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    archive.outputStream.on('data', (c: Buffer) => chunks.push(c));
    archive.outputStream.on('error', reject);
    archive.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

// ------------------------------------------------------------------ the package

/** The package's bytes. A bad option throws at once (before any work), as a PackageError. */
export function buildTeamsPackage(o: TeamsPackageOptions): Promise<Buffer> {
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
  (async () => {
    const o = optionsFrom(process.argv.slice(2), process.env);
    const pkg = await buildTeamsPackage(o);
    mkdirSync(o.out, { recursive: true });
    const file = join(o.out, 'app-package.zip');
    writeFileSync(file, pkg);
    process.stdout.write(`Teams app package: ${file} (${pkg.length} bytes, app id ${o.appId}, version ${o.version})\n`);
  })().catch((err: unknown) => {
    if (err instanceof PackageError) {
      process.stderr.write(`teams-package: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  });
}
