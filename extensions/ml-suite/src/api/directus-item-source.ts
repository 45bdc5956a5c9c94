import type { ItemSource } from '../core/indexing/item-source.js';
import type { HostContext } from './container-types.js';
import { collectionInactiveError, isCollectionInactive } from './directus-runtime.js';

type Row = Record<string, unknown>;

/** Reads CMS items for indexing through Directus's ItemsService with system access. */
export class DirectusItemSource implements ItemSource {
	constructor(private readonly host: HostContext) {}

	private async service(collection: string): Promise<{ readByQuery(q: unknown): Promise<Row[]> }> {
		const schema = await this.host.getSchema();
		if (isCollectionInactive(schema, collection)) throw collectionInactiveError(collection, 'indexing it');
		return new this.host.services.ItemsService(collection, { schema, knex: this.host.database, accountability: null });
	}

	async primaryKey(collection: string): Promise<string> {
		const schema = await this.host.getSchema();
		const info = schema.collections[collection];
		if (!info) throw new Error(`Collection "${collection}" does not exist.`);
		return info.primary;
	}

	async read(collection: string, keys: readonly string[], fields: readonly string[]): Promise<Map<string, Row>> {
		const pk = await this.primaryKey(collection);
		const service = await this.service(collection);
		const out = new Map<string, Row>();
		for (let i = 0; i < keys.length; i += 500) {
			const rows = await service.readByQuery({ fields: [...fields], filter: { [pk]: { _in: keys.slice(i, i + 500) } }, limit: -1 });
			for (const row of rows) out.set(String(row[pk]), row);
		}
		return out;
	}

	async matching(collection: string, keys: readonly string[], filter: Record<string, unknown>): Promise<Set<string>> {
		const pk = await this.primaryKey(collection);
		const service = await this.service(collection);
		const out = new Set<string>();
		for (let i = 0; i < keys.length; i += 500) {
			const rows = await service.readByQuery({ fields: [pk], filter: { _and: [filter, { [pk]: { _in: keys.slice(i, i + 500) } }] }, limit: -1 });
			for (const row of rows) out.add(String(row[pk]));
		}
		return out;
	}

	async listKeys(collection: string, page: { offset: number; limit: number }): Promise<string[]> {
		const pk = await this.primaryKey(collection);
		const service = await this.service(collection);
		const rows = await service.readByQuery({ fields: [pk], sort: [pk], limit: page.limit, offset: page.offset });
		return rows.map((row) => String(row[pk]));
	}

	async count(collection: string, filter: Record<string, unknown> | null): Promise<number> {
		const service = await this.service(collection);
		const rows = await service.readByQuery({ aggregate: { count: ['*'] }, ...(filter ? { filter } : {}) });
		const first = rows[0] as { count?: unknown } | undefined;
		return Number(first?.count ?? 0);
	}
}
