import type { HostContext } from '../container-types.js';

export interface ModuleBarEntry {
	type: 'module' | 'link';
	id: string;
	enabled: boolean;
	[key: string]: unknown;
}

/** The Directus 12 app's default module bar (`@directus/app` 12.4), used when a project never customised it. */
const DIRECTUS_12_DEFAULT: ModuleBarEntry[] = [
	{ type: 'module', id: 'content', enabled: true },
	{ type: 'module', id: 'visual', enabled: false },
	{ type: 'module', id: 'users', enabled: true },
	{ type: 'module', id: 'files', enabled: true },
	{ type: 'module', id: 'insights', enabled: true },
	{ type: 'module', id: 'flows', enabled: true },
	{ type: 'module', id: 'deployments', enabled: false },
	{ type: 'link', id: 'docs', enabled: true, name: '$t:documentation', icon: 'help', url: 'https://directus.com/docs' },
	{ type: 'module', id: 'settings', enabled: true, locked: true },
];

/** Directus 11's (`@directus/app` 11.17): the same but for flows, which live under Settings, and the docs at docs.directus.io. */
const DIRECTUS_11_DEFAULT: ModuleBarEntry[] = DIRECTUS_12_DEFAULT.filter((entry) => entry.id !== 'flows').map((entry) => (entry.id === 'docs' ? { ...entry, url: 'https://docs.directus.io' } : entry));

/** The app's default module bar of a Directus major (12's when unknown). */
export function defaultModuleBar(major: number | null): ModuleBarEntry[] {
	return structuredClone(major !== null && major < 12 ? DIRECTUS_11_DEFAULT : DIRECTUS_12_DEFAULT);
}

const INSERT_BEFORE = ['deployments', 'docs', 'settings'];

/**
 * Directus only shows extension modules that are listed in the project's module bar. This adds
 * the suite's modules once, before the docs/settings entries; a module an admin has since turned
 * off (still listed, `enabled: false`) is left alone. It goes through Directus's
 * `SettingsService` as the system (no accountability), so Directus casts the JSON, creates the
 * settings row when there is none, clears its caches and emits `settings.update` as for any save.
 */
export async function ensureModuleBar(host: Pick<HostContext, 'services' | 'database' | 'getSchema'>, moduleIds: string[], directusMajor: number | null): Promise<string[]> {
	const settings = new host.services.SettingsService({ knex: host.database, schema: await host.getSchema() });
	const row = (await settings.readSingleton({ fields: ['module_bar'] })) as { module_bar?: unknown } | null;
	const raw: unknown = row?.module_bar ?? null;
	const current: ModuleBarEntry[] = raw === null ? defaultModuleBar(directusMajor) : ((typeof raw === 'string' ? JSON.parse(raw) : raw) as ModuleBarEntry[]);
	const added: string[] = [];
	for (const id of moduleIds) {
		if (current.some((entry) => entry.id === id)) continue;
		const before = current.findIndex((entry) => INSERT_BEFORE.includes(entry.id));
		current.splice(before === -1 ? current.length : before, 0, { type: 'module', id, enabled: true });
		added.push(id);
	}
	if (added.length > 0) await settings.upsertSingleton({ module_bar: current });
	return added;
}
