import type { IndexRepository } from '../core/indexing/index-repository.js';
import type { HostContext } from './container-types.js';
import { isCollectionInactive, type DirectusRuntime } from './directus-runtime.js';

interface CheckResult {
	ok: boolean;
	message?: string;
	details?: Record<string, unknown>;
}

/**
 * `/ml/health` → `directus`: the Directus version and, on Directus 12, the license plan state in
 * words: a locked project (every /ml route that touches items refuses, as Directus's own do),
 * usage against the plan's limits, and item/field permission rules the plan hides.
 */
export async function checkDirectus(host: HostContext, directus: DirectusRuntime, indexes: IndexRepository): Promise<CheckResult> {
	const version = directus.version ? `Directus ${directus.version}` : 'Directus (version unknown)';
	const license = await directus.license();
	if (!license) return { ok: true, message: version, details: { version: directus.version } };

	const active = await indexes.active();
	const problems: string[] = [];
	const over = Object.entries(license.usage).filter(([, u]) => u.limit !== null && u.used > u.limit);
	if (license.status === 'locked') {
		problems.push(
			`the project is locked by its license (${over.map(([k, u]) => `${k}: ${u.used} of ${u.limit}`).join(', ') || 'over its limits'}): Directus and the /ml routes that touch items answer RESOURCE_RESTRICTED until an administrator deactivates enough collections or flows, removes app seats, or adds a license key`,
		);
	} else if (over.length > 0) {
		problems.push(`over the plan's limits (${over.map(([k, u]) => `${k}: ${u.used} of ${u.limit}`).join(', ')}); the project locks when the grace period ends`);
	}
	let hiddenRules: { collection: string; rules: number }[] = [];
	if (license.customPermissionRules === false) {
		hiddenRules = await hiddenPermissionRules(host, [...new Set(active.map((i) => i.collection))]);
		if (hiddenRules.length > 0) {
			problems.push(
				`the plan hides item- and field-level permission rules, and ${hiddenRules.map((r) => `"${r.collection}" has ${r.rules}`).join(', ')}: users whose access rests on them cannot read (or search) those collections until the rules are replaced by whole-collection ones or a license enables custom rules`,
			);
		}
	}
	const schema = await host.getSchema();
	const inactiveIndexes = active.filter((index) => isCollectionInactive(schema, index.collection)).map((index) => `${index.name} (${index.collection})`);
	if (inactiveIndexes.length > 0) {
		problems.push(`indexes over inactive collections cannot be searched or reindexed: ${inactiveIndexes.join(', ')}; re-activate the collections in Settings → Data Model`);
	}
	return {
		ok: problems.length === 0,
		message: `${version}, license ${license.status}${problems.length > 0 ? `: ${problems.join('; ')}` : ''}`,
		details: { version: directus.version, license: license.status, usage: license.usage, customPermissionRules: license.customPermissionRules, hiddenRules, inactiveIndexes },
	};
}

/** Permission rows on the given collections that use item filters or field lists (hidden on Core). */
async function hiddenPermissionRules(host: HostContext, collections: string[]): Promise<{ collection: string; rules: number }[]> {
	if (collections.length === 0) return [];
	const rows: { collection: string; fields: string | null; permissions: unknown }[] = await host
		.database('directus_permissions')
		.select('collection', 'fields', 'permissions')
		.whereIn('collection', collections);
	const counts = new Map<string, number>();
	for (const row of rows) {
		const rules = typeof row.permissions === 'string' ? (JSON.parse(row.permissions) as unknown) : row.permissions;
		const itemRule = rules !== null && typeof rules === 'object' && Object.keys(rules).length > 0;
		const fieldRule = row.fields !== null && row.fields !== '*' && !String(row.fields).split(',').includes('*');
		if (itemRule || fieldRule) counts.set(row.collection, (counts.get(row.collection) ?? 0) + 1);
	}
	return [...counts.entries()].map(([collection, rules]) => ({ collection, rules }));
}
