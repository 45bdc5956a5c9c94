import knexFactory, { type Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnalysisService } from '../analysis/analysis-service.js';
import { LocalAnalysisEngine } from '../analysis/local-analysis-engine.js';
import { ComplexityService } from '../complexity/complexity-service.js';
import { NotConfiguredError } from '../errors.js';
import { LocalEmbeddingModel } from '../providers/local-embedding-model.js';
import type { EnrichmentDefinition } from './enrichment-definition.js';
import type { EnrichmentItems, TargetFieldInfo } from './enrichment-items.js';
import { EnrichmentRepository } from './enrichment-repository.js';
import { EnrichmentService } from './enrichment-service.js';
import { EnrichmentStateRepository } from './enrichment-state.js';

type Row = Record<string, unknown>;

/** Items in memory; `beforeWrite` lets a test save the item "concurrently" during a run. */
class MemoryItems implements EnrichmentItems {
	readonly rows = new Map<string, Row>();
	writes: { key: string; values: Row }[] = [];
	/** One entry per writeMany call: the keys written together. */
	batches: string[][] = [];
	/** Items whose write is rejected (as a validation error of Directus would be). */
	rejects = new Set<string>();
	onRead: ((key: string, count: number) => Promise<void>) | null = null;
	private reads = 0;

	async primaryKey(): Promise<string> {
		return 'id';
	}
	async read(_c: string, keys: readonly string[]): Promise<Map<string, Row>> {
		this.reads++;
		const out = new Map<string, Row>();
		for (const key of keys) {
			await this.onRead?.(key, this.reads);
			const row = this.rows.get(key);
			if (row) out.set(key, { ...row });
		}
		return out;
	}
	async matching(_c: string, keys: readonly string[]): Promise<Set<string>> {
		return new Set(keys.filter((k) => this.rows.has(k)));
	}
	async listKeys(_c: string, page: { offset: number; limit: number }): Promise<string[]> {
		return [...this.rows.keys()].slice(page.offset, page.offset + page.limit);
	}
	async count(): Promise<number> {
		return this.rows.size;
	}
	async query(): Promise<Row[]> {
		return [...this.rows.values()];
	}
	async write(_c: string, key: string, values: Row): Promise<void> {
		if (this.rejects.has(key)) throw new Error(`item ${key} rejected`);
		this.writes.push({ key, values });
		this.rows.set(key, { ...(this.rows.get(key) ?? {}), ...values });
	}
	async writeMany(_c: string, entries: readonly { key: string; values: Row }[]): Promise<void> {
		// All or none, like a transaction.
		const rejected = entries.find((e) => this.rejects.has(e.key));
		if (rejected) throw new Error(`item ${rejected.key} rejected`);
		this.batches.push(entries.map((e) => e.key));
		for (const { key, values } of entries) {
			this.writes.push({ key, values });
			this.rows.set(key, { ...(this.rows.get(key) ?? {}), ...values });
		}
	}
	async fieldInfo(_c: string, field: string): Promise<TargetFieldInfo | null> {
		return field === 'topic' ? { type: 'string', choices: [{ text: 'Food', value: 'food' }, { text: 'Technology', value: 'technology' }] } : { type: 'text', choices: null };
	}
}

const FOOD = 'A great little restaurant. The chef cooks wonderful dishes with fresh ingredients, and the meal was delicious.';
const TECH = 'Our software team moved the database to a new server. The data pipeline and search index now run in the cloud.';

const def: EnrichmentDefinition = {
	id: 'p1',
	name: 'test',
	status: 'active',
	collection: 'posts',
	filter: null,
	sourceFields: ['body'],
	targets: [
		{ analysis: 'summary', field: 'summary', options: { maxLength: 30 } },
		{ analysis: 'classification', field: 'topic', options: { descriptions: { food: 'restaurant, chef, meal', technology: 'software, database, data, server' } } },
	],
	overwrite: false,
	engine: null,
	model: null,
	complexityFields: null,
};

describe('EnrichmentService', () => {
	let db: Knex;
	let items: MemoryItems;
	let service: EnrichmentService;
	const origin = { user: null, sourceType: 'job' as const, source: 'test' };

	beforeEach(async () => {
		db = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
		await db.schema.createTable('ml_enrichments', (t) => {
			t.string('id');
			for (const c of ['name', 'status', 'collection', 'filter', 'source_fields', 'targets', 'engine', 'model', 'complexity_fields']) t.text(c);
			t.boolean('overwrite');
		});
		await db.schema.createTable('ml_enrichment_items', (t) => {
			t.increments('id');
			t.string('enrichment');
			t.string('collection');
			t.string('item');
			t.string('status');
			t.string('source_hash');
			t.text('written');
			t.text('kept_fields');
			t.integer('attempts').defaultTo(0);
			t.integer('revision').defaultTo(0);
			t.text('error');
			t.timestamp('date_enriched');
			t.timestamp('date_updated');
			t.unique(['enrichment', 'item']);
		});
		items = new MemoryItems();
		const embedder = new LocalEmbeddingModel();
		const analysis = new AnalysisService({
			local: new LocalAnalysisEngine({ embed: async (texts) => ({ ...(await embedder.embed(texts)), provider: 'local', model: embedder.modelId }) }),
			llm: async () => Promise.reject(new NotConfiguredError('none')),
			hasChatModel: async () => false,
			defaultEngine: 'local',
			maxChars: 10_000,
			maxCategories: 10,
			record: () => undefined,
		});
		service = new EnrichmentService({
			repository: new EnrichmentRepository(db),
			items,
			state: new EnrichmentStateRepository(db),
			analysis,
			complexity: new ComplexityService({ analysis, chatModel: async () => Promise.reject(new Error('unused')), record: () => undefined }),
		});
	});
	afterEach(async () => {
		await db.destroy();
	});

	it('writes results, then skips unchanged sources', async () => {
		items.rows.set('1', { id: '1', body: FOOD, summary: null, topic: null });
		await service.state.markPending(def.id, def.collection, ['1']);
		expect(await service.enrichItems(def, ['1'], { origin })).toMatchObject({ done: 1 });
		expect(items.rows.get('1')).toMatchObject({ topic: 'food' });
		expect(items.writes).toHaveLength(1);
		await service.state.markPending(def.id, def.collection, ['1']);
		expect(await service.enrichItems(def, ['1'], { origin })).toMatchObject({ done: 0, unchanged: 1 });
		expect(items.writes).toHaveLength(1);
		expect((await service.state.get(def.id, ['1'])).get('1')?.status).toBe('done');
	});

	it('keeps an editor’s value unless the pipeline may overwrite, and replaces its own earlier values', async () => {
		items.rows.set('1', { id: '1', body: FOOD, summary: null, topic: null });
		await service.enrichItems(def, ['1'], { origin });
		const own = items.rows.get('1')?.summary;
		items.rows.set('1', { ...items.rows.get('1'), body: TECH, summary: 'Mine.' });
		await service.state.markPending(def.id, def.collection, ['1']);
		expect(await service.enrichItems(def, ['1'], { origin })).toMatchObject({ done: 1, kept: 1 });
		expect(items.rows.get('1')).toMatchObject({ summary: 'Mine.', topic: 'technology' });
		expect((await service.state.get(def.id, ['1'])).get('1')?.kept).toEqual(['summary']);
		expect(own).not.toBe('Mine.');

		items.rows.set('1', { ...items.rows.get('1'), body: FOOD });
		await service.state.markPending(def.id, def.collection, ['1']);
		await service.enrichItems({ ...def, overwrite: true }, ['1'], { origin });
		expect(items.rows.get('1')?.summary).not.toBe('Mine.');
	});

	it('last writer wins: a save during the run supersedes it, and the newer run writes', async () => {
		items.rows.set('1', { id: '1', body: FOOD, summary: null, topic: null });
		await service.state.markPending(def.id, def.collection, ['1']);
		// The item is saved (and marked pending again) after the job read it, before it writes.
		items.onRead = async (key, count) => {
			if (count === 2) {
				items.rows.set(key, { ...items.rows.get(key), body: TECH });
				await service.state.markPending(def.id, def.collection, [key]);
			}
		};
		expect(await service.enrichItems(def, ['1'], { origin })).toMatchObject({ done: 0, superseded: 1 });
		expect(items.writes).toHaveLength(0);
		items.onRead = null;
		expect(await service.enrichItems(def, ['1'], { origin })).toMatchObject({ done: 1 });
		expect(items.rows.get('1')?.topic).toBe('technology');
	});

	it('two runs of the same item at once (a save\'s job and a backfill) write it once', async () => {
		items.rows.set('1', { id: '1', body: FOOD, summary: null, topic: null });
		await service.state.markPending(def.id, def.collection, ['1']);
		// Both runs note the same revision, analyse the same text and read the item back before
		// either writes: their reads meet in pairs (each run's first read waits for the other's,
		// then likewise their second reads). Only one may write: a second write is one more
		// revision (and update hooks) for nothing.
		const waiting: (() => void)[] = [];
		items.onRead = async (_key, count) => {
			if (count % 2 === 1) await new Promise<void>((resolve) => waiting.push(resolve));
			else waiting.shift()?.();
		};
		const outcomes = await Promise.all([service.enrichItems(def, ['1'], { origin }), service.enrichItems(def, ['1'], { origin })]);
		expect(outcomes.map((o) => [o.done, o.superseded]).sort()).toEqual([
			[0, 1],
			[1, 0],
		]);
		expect(items.writes).toHaveLength(1);
		expect(items.rows.get('1')?.topic).toBe('food');
		const state = (await service.state.get(def.id, ['1'])).get('1');
		expect(state).toMatchObject({ status: 'done' });
		expect(state?.written.topic).toBe('food');
		// A later save runs as before.
		items.onRead = null;
		items.rows.set('1', { ...items.rows.get('1'), body: TECH });
		await service.state.markPending(def.id, def.collection, ['1']);
		expect(await service.enrichItems(def, ['1'], { origin })).toMatchObject({ done: 1 });
		expect(items.rows.get('1')?.topic).toBe('technology');
	});

	it('records failures per item and skips empty sources', async () => {
		items.rows.set('1', { id: '1', body: '   ', summary: null, topic: null });
		items.rows.set('2', { id: '2', body: 'x'.repeat(20_000), summary: null, topic: null });
		await service.state.markPending(def.id, def.collection, ['1', '2']);
		expect(await service.enrichItems(def, ['1', '2'], { origin })).toMatchObject({ skipped: 1, failed: 1 });
		const states = await service.state.get(def.id, ['1', '2']);
		expect(states.get('1')?.status).toBe('skipped');
		expect(states.get('2')).toMatchObject({ status: 'failed', attempts: 1 });
		expect(states.get('2')?.error).toContain('ML_ANALYSIS_MAX_CHARS');
	});
	it('suggests values for one item as the caller sees it, and records an editor’s accept, edit and reject', async () => {
		await db('ml_enrichments').insert({ id: def.id, name: def.name, status: 'active', collection: 'posts', source_fields: 'body', targets: JSON.stringify(def.targets), overwrite: false });
		items.rows.set('1', { id: '1', body: FOOD, summary: null, topic: null });
		await service.enrichItems(def, ['1'], { origin });
		const updates: Row[] = [];
		const caller = {
			read: async (_c: string, key: string, fields: readonly string[]) => {
				const row = items.rows.get(key);
				return row ? Object.fromEntries(fields.filter((f) => f in row).map((f) => [f, row[f]])) : null;
			},
			update: async (_c: string, key: string, values: Row) => {
				updates.push(values);
				await items.write('posts', key, values);
			},
		};
		const call = { origin: { user: 'u1', sourceType: 'route' as const, source: 'test' } };
		let listed = await service.suggestions('posts', '1', caller, call);
		expect(listed.map((s) => [s.field, s.state])).toEqual([
			['summary', 'applied'],
			['topic', 'applied'],
		]);
		expect(await service.suggestions('posts', 'missing', caller, call)).toEqual([]);

		// Reject: the suite's value is cleared, and a later run on changed text leaves the field empty.
		expect(await service.decide('posts', '1', { enrichment: def.id, field: 'summary', action: 'reject' }, caller, call)).toMatchObject({ state: 'editor', current: null });
		expect(updates.at(-1)).toEqual({ summary: null });
		items.rows.set('1', { ...items.rows.get('1'), body: `${FOOD} The dessert was excellent too.` });
		await service.state.markPending(def.id, def.collection, ['1']);
		await service.enrichItems(def, ['1'], { origin });
		expect(items.rows.get('1')?.summary).toBeNull();
		listed = await service.suggestions('posts', '1', caller, call);
		expect(listed.find((s) => s.field === 'summary')?.state).toBe('editor');

		// Accept as suggested: the suite owns the field again; an edited value is the editor's.
		const accepted = await service.decide('posts', '1', { enrichment: def.id, field: 'summary', action: 'accept' }, caller, call);
		expect(accepted.state).toBe('applied');
		expect(items.rows.get('1')?.summary).toBe(accepted.suggested);
		expect((await service.state.get(def.id, ['1'])).get('1')?.written.summary).toBe(accepted.suggested);
		expect(await service.decide('posts', '1', { enrichment: def.id, field: 'topic', action: 'accept', value: 'technology' }, caller, call)).toMatchObject({ state: 'editor', current: 'technology' });
		expect((await service.state.get(def.id, ['1'])).get('1')?.kept).toContain('topic');

		await expect(service.decide('posts', '1', { enrichment: def.id, field: 'body', action: 'accept' }, caller, call)).rejects.toThrow('does not write the field "body"');
		await expect(service.decide('posts', '1', { enrichment: 'nope', field: 'summary', action: 'accept' }, caller, call)).rejects.toThrow('No active enrichment pipeline');
		await expect(service.decide('posts', 'missing', { enrichment: def.id, field: 'summary', action: 'accept' }, caller, call)).rejects.toThrow('does not exist or you cannot read it');
	});

	it('writes a page of items back in one batch', async () => {
		for (const key of ['1', '2', '3']) items.rows.set(key, { id: key, body: key === '2' ? TECH : FOOD, summary: null, topic: null });
		await service.state.markPending(def.id, def.collection, ['1', '2', '3']);
		expect(await service.enrichItems(def, ['1', '2', '3'], { origin })).toMatchObject({ done: 3, failed: 0 });
		expect(items.batches).toEqual([['1', '2', '3']]);
		expect(items.rows.get('2')?.topic).toBe('technology');
	});

	it('when the batch write fails, writes item by item and fails only the item that was rejected', async () => {
		for (const key of ['1', '2', '3']) items.rows.set(key, { id: key, body: FOOD, summary: null, topic: null });
		items.rejects.add('2');
		await service.state.markPending(def.id, def.collection, ['1', '2', '3']);
		expect(await service.enrichItems(def, ['1', '2', '3'], { origin })).toMatchObject({ done: 2, failed: 1 });
		expect(items.batches).toEqual([]);
		expect(items.writes.map((w) => w.key)).toEqual(['1', '3']);
		const states = await service.state.get(def.id, ['1', '2', '3']);
		expect(states.get('1')?.status).toBe('done');
		expect(states.get('2')).toMatchObject({ status: 'failed', error: 'item 2 rejected' });
		expect(states.get('3')?.status).toBe('done');
		expect(items.rows.get('2')?.topic).toBeNull();
	});
});
