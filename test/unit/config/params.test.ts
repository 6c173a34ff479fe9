// Every setting is declared once (functions/src/settings.ts); from it come the firebase-functions
// params (what `firebase deploy` reads from .env files and checks), config.ts's defaults and range
// checks (what the functions read as an instance starts), functions/.env (every default, so a deploy
// never prompts) and the README's table. They must name the same settings with the same defaults,
// and a wrong value must stop the functions naming the setting.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../functions/src/config';
import { DEPLOY_PARAMS, SETTINGS_PARAMS as SETTINGS } from '../../../functions/src/params';
import { renderDotenv, SETTING_NAMES, SETTINGS as DECLARED, type Setting } from '../../../functions/src/settings';
import { readmeWithTable, README_FILE } from '../../../scripts/settings';

const DOTENV = join(__dirname, '..', '..', '..', 'functions', '.env');

/** The KEYWARD_* names loadConfig reads. */
function namesConfigReads(): string[] {
  const read = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get(_t, name) {
      if (typeof name === 'string' && name.startsWith('KEYWARD_')) read.add(name);
      return undefined;
    },
  });
  loadConfig(env);
  return [...read].sort();
}

function dotenv(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(DOTENV, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

const defaultOf = (p: (typeof SETTINGS)[number]) => p.options?.default as string | number | string[];
const asEnv = (value: string | number | string[]) => (Array.isArray(value) ? value.join(',') : String(value));

describe('settings: params, functions/.env and config.ts agree', () => {
  it('every setting config.ts reads is a param, and every param is read', () => {
    expect(SETTINGS.map((p) => p.name).sort()).toEqual(namesConfigReads());
  });

  it("the params' defaults are config.ts's defaults", () => {
    const fromParams = Object.fromEntries(SETTINGS.map((p) => [p.name, asEnv(defaultOf(p))]));
    expect(loadConfig({ GOOGLE_CLOUD_PROJECT: 'p', ...fromParams })).toEqual(loadConfig({ GOOGLE_CLOUD_PROJECT: 'p' }));
  });

  it('functions/.env and the README table are what the declaration writes (npm run settings)', () => {
    expect(readFileSync(DOTENV, 'utf8')).toBe(renderDotenv());
    const readme = readFileSync(README_FILE, 'utf8');
    expect(readme).toBe(readmeWithTable(readme));
  });

  it('every declared range is what config.ts enforces: its ends pass, one beyond each is refused naming the setting', () => {
    for (const name of SETTING_NAMES) {
      const s: Setting = DECLARED[name];
      const range = s.type === 'int' ? s : s.type === 'string' ? s.int : undefined;
      if (s.deployOnly || range?.min === undefined || range.max === undefined) continue;
      // A default key lifetime may not pass the longest one (checked on its own below).
      const env: Record<string, string> = { KEYWARD_KEY_DEFAULT_TTL_DAYS: '1', KEYWARD_KEY_MAX_TTL_DAYS: '3650' };
      for (const ok of [range.min, range.max]) expect(() => loadConfig({ ...env, [name]: String(ok) })).not.toThrow();
      for (const bad of [range.min - 1, range.max + 1]) expect(() => loadConfig({ ...env, [name]: String(bad) })).toThrow(new RegExp(`^${name} must be an integer between ${range.min} and ${range.max}`));
    }
  });

  it('functions/.env lists every param with its default (a deploy then never prompts)', () => {
    const all = [...SETTINGS, ...DEPLOY_PARAMS];
    expect([...dotenv().keys()].sort()).toEqual(all.map((p) => p.name).sort());
    for (const p of all) expect(`${p.name}=${dotenv().get(p.name)}`).toBe(`${p.name}=${asEnv(p.options!.default as never)}`);
  });

  it('reads a list as firebase deploys it (a JSON array) or as written (comma-separated)', () => {
    const origins = ['https://app.example.com', 'https://admin.example.com'];
    expect(loadConfig({ KEYWARD_ALLOWED_ORIGINS: JSON.stringify(origins) }).allowedOrigins).toEqual(origins);
    expect(loadConfig({ KEYWARD_ALLOWED_ORIGINS: origins.join(', ') }).allowedOrigins).toEqual(origins);
    expect(loadConfig({ KEYWARD_ALLOWED_ORIGINS: '[""]' }).allowedOrigins).toEqual([]);
  });

  it('an empty derived setting takes its derived default', () => {
    const config = loadConfig({ GOOGLE_CLOUD_PROJECT: 'p', KEYWARD_TOKEN_ISSUER: '', KEYWARD_TOKEN_TTL_WEB: '', KEYWARD_AUDIT_VIEW: '' });
    expect(config.tokens.issuer).toBe('https://keyward.p');
    expect(config.tokens.ttlSeconds.web).toBe(3600);
    expect(config.audit.readFrom).toBe('projects/p');
  });

  it.each([
    ['KEYWARD_CACHE_TTL_MS', '60000'],
    ['KEYWARD_BODY_LIMIT_BYTES', 'lots'],
    ['KEYWARD_TOKEN_TTL_WEB', '1.5'],
    ['KEYWARD_ALLOWED_ORIGINS', 'app.example.com'],
    ['KEYWARD_ALLOWED_ORIGINS', 'https://app.example.com/path'],
    ['KEYWARD_ALLOWED_ORIGINS', '["https://a.example", 3]'],
  ])('a wrong %s (%s) is refused, naming the setting', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name} `));
  });

  it('a default key lifetime longer than the longest allowed is refused at start, naming both settings', () => {
    expect(() => loadConfig({ KEYWARD_KEY_DEFAULT_TTL_DAYS: '400' })).toThrow(
      'KEYWARD_KEY_DEFAULT_TTL_DAYS must not exceed KEYWARD_KEY_MAX_TTL_DAYS (365), got "400"',
    );
    expect(() => loadConfig({ KEYWARD_KEY_DEFAULT_TTL_DAYS: '30', KEYWARD_KEY_MAX_TTL_DAYS: '29' })).toThrow(/^KEYWARD_KEY_DEFAULT_TTL_DAYS must not exceed/);
    expect(loadConfig({ KEYWARD_KEY_DEFAULT_TTL_DAYS: '30', KEYWARD_KEY_MAX_TTL_DAYS: '30' }).keys).toMatchObject({ defaultTtlDays: 30, maxTtlDays: 30 });
  });
});
