import type { Knex } from 'knex';
import { NotFoundError } from '../errors.js';
import { parseIndexRow, type IndexDefinition } from './index-definition.js';

/**
 * Reads index definitions from `ml_indexes`, cached in memory. The cache is dropped when an
 * index changes in this process (hooks call `invalidate`) and expires after `ttlMs` so other
 * instances' edits are seen too. Callers that arrive while a read is under way share it: a batch
 * save emits one hook event per item, all at once, and on SQLite 500 identical reads would queue
 * on the one connection between the saves (and spread the events over time, so the change
 * coalescer would cut one batch into many small jobs).
 */
export class IndexRepository {
	private cache: { at: number; list: IndexDefinition[] } | null = null;
	private loading: { generation: number; list: Promise<IndexDefinition[]> } | null = null;
	/** Bumped by `invalidate`: a read started before it may have missed the change, so it is not cached. */
	private generation = 0;

	constructor(
		private readonly db: Knex,
		private readonly defaults: { chunkSize: number; chunkOverlap: number },
		private readonly ttlMs = 10_000,
		private readonly onInvalidRow: (error: unknown, row: unknown) => void = () => undefined,
	) {}

	invalidate(): void {
		this.cache = null;
		this.loading = null;
		this.generation++;
	}

	/** All index definitions (any status). Rows that do not parse are reported and skipped. */
	async list(): Promise<IndexDefinition[]> {
		if (this.cache && Date.now() - this.cache.at < this.ttlMs) return this.cache.list;
		if (this.loading?.generation === this.generation) return this.loading.list;
		const generation = this.generation;
		const list = this.read()
			.then((read) => {
				if (this.generation === generation) this.cache = { at: Date.now(), list: read };
				return read;
			})
			.finally(() => {
				if (this.loading?.list === list) this.loading = null;
			});
		this.loading = { generation, list };
		return list;
	}

	private async read(): Promise<IndexDefinition[]> {
		const rows: unknown[] = await this.db('ml_indexes').select('*').orderBy('name');
		const list: IndexDefinition[] = [];
		for (const row of rows) {
			try {
				list.push(parseIndexRow(row, this.defaults));
			} catch (error) {
				this.onInvalidRow(error, row);
			}
		}
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
