import type { Knex } from 'knex';
import { toEnrichmentDefinition, type EnrichmentDefinition } from './enrichment-definition.js';

/**
 * Reads pipeline definitions (`ml_enrichments`), cached for `ttlMs` and invalidated when a row
 * changes in this process. Invalid rows are reported through `onInvalid` and ignored.
 */
export class EnrichmentRepository {
	private cache: { at: number; rows: EnrichmentDefinition[] } | null = null;

	constructor(
		private readonly db: Knex,
		private readonly ttlMs = 10_000,
		private readonly onInvalid: (error: unknown, row: unknown) => void = () => undefined,
	) {}

	async all(): Promise<EnrichmentDefinition[]> {
		if (this.cache && Date.now() - this.cache.at < this.ttlMs) return this.cache.rows;
		const rows: unknown[] = await this.db('ml_enrichments').select('*');
		const parsed: EnrichmentDefinition[] = [];
		for (const row of rows) {
			try {
				parsed.push(toEnrichmentDefinition(row));
			} catch (error) {
				this.onInvalid(error, row);
			}
		}
		this.cache = { at: Date.now(), rows: parsed };
		return parsed;
	}

	async active(): Promise<EnrichmentDefinition[]> {
		return (await this.all()).filter((d) => d.status === 'active');
	}

	async forCollection(collection: string): Promise<EnrichmentDefinition[]> {
		return (await this.active()).filter((d) => d.collection === collection);
	}

	async byId(id: string): Promise<EnrichmentDefinition | null> {
		return (await this.all()).find((d) => d.id === id) ?? null;
	}

	invalidate(): void {
		this.cache = null;
	}
}
