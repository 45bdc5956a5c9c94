import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MlError } from '../core/errors.js';
import type { Logger } from './container-types.js';

/**
 * Facts about the Directus this process runs, for what differs between majors: its version
 * (module bar defaults, license APIs) and, on Directus 12, the license state.
 *
 * Directus guards its own routes (`/items`, `/graphql`, `/files`, `/assets`, flow triggers,
 * `/mcp`) with `getLicenseManager().isLocked()` from `@directus/api`, but extension routes are
 * not guarded. The suite asks the same license manager: it imports `license/manager.js` of the
 * `@directus/api` the running Directus loaded (same file, so the same module instance and state).
 */
export interface DirectusRuntime {
	/** Directus version (e.g. "12.4.0"), null when it could not be found. */
	version: string | null;
	/** Major version, null when unknown. */
	major: number | null;
	/** True while Directus has locked the project (over its license limits). Always false on 11. */
	isLocked(): Promise<boolean>;
	/** License plan state for /ml/health; null on Directus 11 or when unavailable. */
	license(): Promise<LicenseSummary | null>;
}

export interface LicenseSummary {
	/** `active`, `grace` or `locked`. */
	status: string;
	/** Usage against the plan's limits, e.g. `{ collections: { used: 12, limit: 25 } }`. */
	usage: Record<string, { used: number; limit: number | null }>;
	/** Whether item- and field-level permission rules are available (false on Core). */
	customPermissionRules: boolean | null;
}

interface LicenseManagerLike {
	initialized?: boolean;
	isLocked(): Promise<boolean>;
	getStatus(): Promise<string>;
	getLicense(): Promise<{ entitlements?: Record<string, unknown> }>;
}
interface EntitlementManagerLike {
	getUsage(key: string): Promise<number>;
}

/** Directus's own error while the project is locked (`ResourceRestrictedError`, category "items"). */
export function projectLockedError(): MlError {
	return new MlError('items is a restricted resource.', { code: 'RESOURCE_RESTRICTED', status: 403, details: { category: 'items' } });
}

/**
 * Directus 12 deactivates collections (status "inactive") to bring a project back within its
 * plan's limits; their items cannot be read or written until an administrator re-activates them.
 */
export function isCollectionInactive(schema: { collections: Record<string, unknown> }, collection: string): boolean {
	const info = schema.collections[collection] as { status?: string } | undefined;
	return info?.status !== undefined && info.status !== 'active';
}

/** Clear error for work on an inactive collection (not retryable: it needs an administrator). */
export function collectionInactiveError(collection: string, doing: string): MlError {
	return new MlError(
		`The collection "${collection}" is inactive in Directus (deactivated to stay within the plan's limits), so ${doing} is not possible. ` +
			'An administrator can re-activate it in Settings → Data Model once the project is within its limits.',
		{ code: 'COLLECTION_INACTIVE', status: 409, details: { collection } },
	);
}

/** Folder of the `@directus/api` package the running Directus uses, or null. */
export function locateDirectusApi(): string | null {
	const starts: string[] = [];
	// `directus start` (npm start, npx directus, docker's `node cli.js`) runs directus/cli.js.
	if (process.argv[1]) {
		try {
			starts.push(realpathSync(process.argv[1]));
		} catch {
			// not a file (REPL, -e)
		}
	}
	starts.push(join(process.cwd(), 'package.json'));
	if (typeof import.meta.url === 'string' && import.meta.url.startsWith('file:')) starts.push(new URL(import.meta.url).pathname);
	for (const start of starts) {
		try {
			return dirname(createRequire(start).resolve('@directus/api/package.json'));
		} catch {
			// not resolvable from here
		}
	}
	return null;
}

export async function detectDirectusRuntime(logger: Logger): Promise<DirectusRuntime> {
	const apiDir = locateDirectusApi();
	let version: string | null = null;
	let license: { manager: LicenseManagerLike; entitlements: EntitlementManagerLike | null } | null = null;
	if (apiDir) {
		try {
			const directusPkg = createRequire(join(apiDir, 'package.json')).resolve('directus/package.json');
			version = (JSON.parse(readFileSync(directusPkg, 'utf8')) as { version?: string }).version ?? null;
		} catch {
			version = null;
		}
		const managerFile = join(apiDir, 'dist', 'license', 'manager.js');
		if (existsSync(managerFile)) {
			try {
				const mod = (await import(pathToFileURL(managerFile).href)) as { getLicenseManager?: () => LicenseManagerLike };
				const entitlementsFile = join(apiDir, 'dist', 'license', 'entitlements', 'manager.js');
				const ent = existsSync(entitlementsFile) ? ((await import(pathToFileURL(entitlementsFile).href)) as { getEntitlementManager?: () => EntitlementManagerLike }) : {};
				if (mod.getLicenseManager) license = { manager: mod.getLicenseManager(), entitlements: ent.getEntitlementManager?.() ?? null };
			} catch (error) {
				logger.warn(`[ml-suite] could not load the Directus license manager (${(error as Error).message}); /ml routes cannot honour a license lock`);
			}
		}
	} else {
		logger.warn('[ml-suite] could not locate @directus/api; version-specific behaviour uses Directus 12 defaults and a license lock cannot be honoured');
	}
	const major = version ? Number(version.split('.')[0]) : null;
	if (major !== null && major >= 12 && !license) {
		logger.warn(`[ml-suite] Directus ${version} has no license manager where expected; /ml routes cannot honour a license lock`);
	}

	return {
		version,
		major,
		async isLocked() {
			return license ? license.manager.isLocked() : false;
		},
		async license() {
			if (!license) return null;
			const [status, current] = await Promise.all([license.manager.getStatus(), license.manager.getLicense()]);
			const entitlements = current.entitlements ?? {};
			const usage: LicenseSummary['usage'] = {};
			for (const key of ['collections', 'flows', 'seats']) {
				const used = license.entitlements ? await license.entitlements.getUsage(key).catch(() => null) : null;
				if (used !== null) usage[key] = { used, limit: entitlementValue(entitlements[key], 'limit') as number | null };
			}
			const rules = entitlementValue(entitlements.custom_permission_rules_enabled, 'default');
			return { status, usage, customPermissionRules: typeof rules === 'boolean' ? rules : null };
		},
	};
}

/** License entitlements are `{ limit: n }` / `{ default: bool }` objects (or bare values). */
function entitlementValue(entry: unknown, key: 'limit' | 'default'): number | boolean | null {
	const value = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>)[key] : entry;
	return typeof value === 'number' || typeof value === 'boolean' ? value : null;
}
