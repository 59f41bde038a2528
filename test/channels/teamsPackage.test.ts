import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import { buildTeamsPackage, optionsFrom, PackageError, TeamsPackageOptions } from '../../scripts/teams-package';

const APP_ID = '7d3c6b9e-5a1f-4c2e-9b8d-2f6e1a0c4b71';
const ROOT = resolve(__dirname, '..', '..');

/** Reads a ZIP's entries through its central directory, checking every CRC (independent of the writer). */
function unzip(buf: Buffer): Map<string, Buffer> {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(eocd).toBeGreaterThan(0);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(buf.readUInt32LE(p)).toBe(0x02014b50);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataStart, dataStart + size);
    const data = method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
    expect(crc32(data) >>> 0).toBe(crc >>> 0);
    out.set(name, data);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

function pngSize(png: Buffer): { width: number; height: number; colorType: number } {
  expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), colorType: png[25] };
}

const options: TeamsPackageOptions = {
  appId: APP_ID,
  brand: 'Acme',
  version: '1.2.3',
  developerName: 'Acme SA',
  websiteUrl: 'https://bot.example.com',
  privacyUrl: 'https://bot.example.com/privacy',
  termsUrl: 'https://bot.example.com/terms',
};

describe('Teams app package (scripts/teams-package.ts)', () => {
  it('holds a manifest for a personal-scope bot whose ids are MicrosoftAppId, French strings, and the two icons', async () => {
    const files = unzip(await buildTeamsPackage(options));
    expect([...files.keys()].sort()).toEqual(['color.png', 'fr.json', 'manifest.json', 'outline.png']);
    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8'));
    expect(manifest).toMatchObject({
      manifestVersion: '1.17',
      version: '1.2.3',
      id: APP_ID,
      name: { short: 'Acme Payments', full: 'Acme payments assistant' },
      icons: { color: 'color.png', outline: 'outline.png' },
      developer: { name: 'Acme SA', websiteUrl: 'https://bot.example.com' },
    });
    expect(manifest.bots).toEqual([expect.objectContaining({ botId: APP_ID, scopes: ['personal', 'team', 'groupChat'], isNotificationOnly: false, supportsFiles: true })]);
    // Commands are offered where the bot works: personal chat.
    expect(manifest.bots[0].commandLists).toEqual([expect.objectContaining({ scopes: ['personal'] })]);
    expect(manifest.bots[0].commandLists[0].commands.map((c: { title: string }) => c.title)).toEqual(['help', 'menu']);
    expect(manifest.localizationInfo).toEqual({ defaultLanguageTag: 'en', additionalLanguages: [{ languageTag: 'fr', file: 'fr.json' }] });
    const fr = JSON.parse(files.get('fr.json')!.toString('utf8'));
    expect(fr['name.short']).toBe('Paiements Acme');
    expect(fr['bots[0].commandLists[0].commands[0].title']).toBe('aide');
    expect(pngSize(files.get('color.png')!)).toEqual({ width: 192, height: 192, colorType: 6 });
    expect(pngSize(files.get('outline.png')!)).toEqual({ width: 32, height: 32, colorType: 6 });
  });

  it('is reproducible: the same input gives the same bytes', async () => {
    expect((await buildTeamsPackage(options)).equals(await buildTeamsPackage(options))).toBe(true);
  });

  it('refuses what Teams would refuse, with a clear message', () => {
    expect(() => buildTeamsPackage({ ...options, appId: 'not-a-guid' })).toThrow(/MicrosoftAppId must be the Azure Bot's app id/);
    expect(() => buildTeamsPackage({ ...options, privacyUrl: 'http://bot.example.com/privacy' })).toThrow(/privacy URL must be an https URL/);
    expect(() => buildTeamsPackage({ ...options, brand: 'A brand name far too long for Teams' })).toThrow(/name.short .* Teams allows 30/);
    expect(() => optionsFrom([], {})).toThrow(PackageError);
    expect(() => optionsFrom([], { MicrosoftAppId: APP_ID })).toThrow(/--website/);
    expect(optionsFrom(['--version', '2.0.0'], { MicrosoftAppId: APP_ID, PUBLIC_URL: 'https://bot.example.com/' })).toMatchObject({
      appId: APP_ID,
      version: '2.0.0',
      privacyUrl: 'https://bot.example.com/privacy',
      brand: 'Support',
    });
  });

  it('runs as a command: writes dist/teams/app-package.zip (here to --out), or exits 1 with one line', () => {
    const out = mkdtempSync(join(tmpdir(), 'teams-pkg-'));
    try {
      const env = { ...process.env, MicrosoftAppId: APP_ID, PUBLIC_URL: 'https://bot.example.com', BRAND_NAME: 'Acme' };
      const stdout = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/teams-package.ts', '--out', out], { cwd: ROOT, env, encoding: 'utf8' });
      expect(stdout).toContain('app-package.zip');
      const files = unzip(readFileSync(join(out, 'app-package.zip')));
      expect(JSON.parse(files.get('manifest.json')!.toString()).id).toBe(APP_ID);
      const failed = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/teams-package.ts', '--out', out], {
        cwd: ROOT,
        env: { PATH: process.env.PATH },
        encoding: 'utf8',
      });
      expect(failed.status).toBe(1);
      expect(failed.stderr.trim()).toBe('teams-package: MicrosoftAppId is not set: it is the app id of your Azure Bot registration (see docs/teams.md)');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
