/**
 * Keyward's settings (declared once, in settings.ts) as firebase-functions params: `firebase deploy` reads them from the .env files
 * (`functions/.env` holds every default; put a project's own values in `functions/.env.<project id>`),
 * checks their types, and lists them in the deploy manifest. config.ts reads the same environment
 * variables at instance start and checks their ranges, so a wrong value fails the deploy naming
 * the setting.
 *
 * Provider secrets are not params: Keyward reads every enabled version from Secret Manager itself
 * (rotation), where `defineSecret` would bind one version per deploy.
 *
 * Installed as a function kit (docs/kit.md; FIREBASE_KIT_INSTANCE_ID is set when the installer and
 * the deploy load the code), only the settings in KIT_ASKS are declared: `firebase
 * functions:kits:install` prompts for every declared param the project's .env files do not hold,
 * and every other setting has a safe default. Those stay plain environment variables, which the
 * instance's .env files still set and config.ts still range-checks at start.
 */
import { defineInt, defineList, defineString, type IntParam, type ListParam, type StringParam } from 'firebase-functions/params';
import { describe, SETTING_NAMES, SETTINGS, type Setting, type SettingName } from './settings';

const IN_KIT = Boolean(process.env.FIREBASE_KIT_INSTANCE_ID);
/** What a kit install asks: where the instance answers, and the account it runs as. */
export const KIT_ASKS: readonly string[] = ['KEYWARD_PUBLIC_URL', 'KEYWARD_SERVICE_ACCOUNT'];
const declared = (name: string) => !IN_KIT || KIT_ASKS.includes(name);
/** A setting as a kit leaves it: not declared to the Firebase CLI, so never prompted for. */
const undeclared = <P>(name: string, value: unknown, description: string) => ({ name, options: { default: value, description } }) as unknown as P;

/** A setting as a firebase-functions param, from its one declaration (settings.ts). */
function param(name: SettingName): IntParam | StringParam | ListParam {
  const s: Setting = SETTINGS[name];
  const options = { default: s.default, description: describe(s) };
  if (!declared(name)) return undeclared(name, s.default, options.description);
  if (s.type === 'int') return defineInt(name, options as { default: number; description: string });
  if (s.type === 'list') return defineList(name, { default: [...s.default], description: options.description });
  return defineString(name, options as { default: string; description: string });
}

/** The settings config.ts reads, with its defaults (settings.ts). */
export const SETTINGS_PARAMS = SETTING_NAMES.filter((name) => !(SETTINGS[name] as Setting).deployOnly).map(param);

/** Cost control: instances per function (Cloud Run scales to this many at most). */
export const maxInstances = param('KEYWARD_MAX_INSTANCES') as IntParam;
/** Warm instances kept per function (billed while idle): 0, or 1 to spare users cold starts. */
export const minInstances = param('KEYWARD_MIN_INSTANCES') as IntParam;
/**
 * The account the functions run as: `name@` means name@<project id>.iam.gserviceaccount.com. A
 * dedicated account holds only the roles Keyward needs (docs/deploy.md), where the default compute
 * account often holds Editor.
 */
export const serviceAccount = param('KEYWARD_SERVICE_ACCOUNT') as StringParam;

/** Deploy options, not read by config.ts. */
export const DEPLOY_PARAMS = [maxInstances, minInstances, serviceAccount] as const;

/** The instance counts the functions are deployed with: in a kit, the defaults (never prompted). */
export const instanceCounts = (): { maxInstances: IntParam | number; minInstances: IntParam | number } =>
  IN_KIT ? { maxInstances: 10, minInstances: 0 } : { maxInstances, minInstances };
