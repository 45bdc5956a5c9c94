import type { Knex } from 'knex';
import { NotFoundError } from '../errors.js';
import { parseIndexRow, type IndexDefinition } from './index-definition.js';

/**
 * Reads index definitions from `ml_indexes`, cached in memory. The cache is dropped when an
 * index changes in this process (hooks call `invalidate`) and expires after `ttlMs` so other
 * instances' edits are seen too.
 */
export class IndexRepository {
	private cache: { at: number; list: IndexDefinition[] } | null = null;

	constructor(
		private readonly db: Knex,
		private readonly defaults: { chunkSize: number; chunkOverlap: number },
		private readonly ttlMs = 10_000,
		private readonly onInvalidRow: (error: unknown, row: unknown) => void = () => undefined,
	) {}

	invalidate(): void {
		this.cache = null;
	}

	/** All index definitions (any status). Rows that do not parse are reported and skipped. */
	async list(): Promise<IndexDefinition[]> {
		if (this.cache && Date.now() - this.cache.at < this.ttlMs) return this.cache.list;
		const rows: unknown[] = await this.db('ml_indexes').select('*').orderBy('name');
		const list: IndexDefinition[] = [];
		for (const row of rows) {
			try {
				list.push(parseIndexRow(row, this.defaults));
			} catch (error) {
				this.onInvalidRow(error, row);
			}
		}
		this.cache = { at: Date.now(), list };
		return list;
	}

	async active(): Promise<IndexDefinition[]> {
		return (await this.list()).filter((index) => index.status === 'active');
	}

	/** Active indexes over a collection (what the item hooks maintain). */
	async forCollection(collection: string): Promise<IndexDefinition[]> {
		return (await this.active()).filter((index) => index.collection === collection);
	}

	async byId(id: string): Promise<IndexDefinition | null> {
		return (await this.list()).find((index) => index.id === id) ?? null;
	}

	/** By name; throws NotFoundError naming the index. */
	async byName(name: string): Promise<IndexDefinition> {
		const found = (await this.list()).find((index) => index.name === name);
		if (!found) throw new NotFoundError(`Unknown index "${name}".`, { index: name });
		return found;
	}
}
