import type { Accountability } from '@directus/types';
import type { EnrichmentItems, TargetFieldInfo } from '../core/enrichment/enrichment-items.js';
import type { HostContext } from './container-types.js';
import { DirectusItemSource } from './directus-item-source.js';

type Row = Record<string, unknown>;

/**
 * The suite writes as an administrator without a user, so Directus records activity and
 * revisions for its writes (it skips both for `accountability: null`) and fires the usual hooks.
 */
const SUITE: Accountability = { user: null, role: null, roles: [], admin: true, app: false, ip: null, origin: 'ml-suite' } as Accountability;

/** Pipelines read and write CMS items through Directus's ItemsService. */
export class DirectusEnrichmentItems extends DirectusItemSource implements EnrichmentItems {
	constructor(private readonly directus: HostContext) {
		super(directus);
	}

	async query(collection: string, options: { filter: Record<string, unknown> | null; fields: readonly string[]; limit: number }): Promise<Row[]> {
		const schema = await this.directus.getSchema();
		const service = new this.directus.services.ItemsService(collection, { schema, knex: this.directus.database, accountability: null });
		return service.readByQuery({ fields: [...options.fields], ...(options.filter ? { filter: options.filter } : {}), limit: options.limit });
	}

	async write(collection: string, key: string, values: Row): Promise<void> {
		const schema = await this.directus.getSchema();
		const service = new this.directus.services.ItemsService(collection, { schema, knex: this.directus.database, accountability: SUITE });
		await service.updateOne(key, values);
	}

	async writeMany(collection: string, entries: readonly { key: string; values: Row }[]): Promise<void> {
		if (entries.length === 0) return;
		const schema = await this.directus.getSchema();
		const pk = schema.collections[collection]?.primary;
		if (!pk) throw new Error(`Collection "${collection}" does not exist.`);
		const service = new this.directus.services.ItemsService(collection, { schema, knex: this.directus.database, accountability: SUITE });
		// One transaction; each item is still updated (hooks, activity, revision) like updateOne does it.
		await service.updateBatch(entries.map(({ key, values }) => ({ ...values, [pk]: key })));
	}

	async fieldInfo(collection: string, field: string): Promise<TargetFieldInfo | null> {
		const schema = await this.directus.getSchema();
		const info = schema.collections[collection]?.fields[field];
		if (!info) return null;
		const meta = (await this.directus.database('directus_fields').where({ collection, field }).first('options', 'interface')) as { options?: unknown } | undefined;
		const options = typeof meta?.options === 'string' ? (JSON.parse(meta.options) as Record<string, unknown>) : ((meta?.options as Record<string, unknown> | null | undefined) ?? null);
		const raw = Array.isArray(options?.choices) ? (options.choices as { text?: unknown; value?: unknown }[]) : null;
		const choices = raw ? raw.filter((c) => c.value !== undefined && c.value !== null).map((c) => ({ text: String(c.text ?? c.value), value: String(c.value) })) : null;
		const special = (info as { special?: string[] }).special ?? [];
		const type = special.includes('cast-csv') ? 'csv' : String(info.type);
		return { type, choices };
	}
}
