import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallerAccess } from './caller-access.js';
import { SearchService, type SearchRequest } from './search-service.js';
import { buildSearchWorld, origin, RuleAccess, type SearchWorld } from './search-worlds.fixtures.js';

describe('SearchService', () => {
	let world: SearchWorld;

	beforeAll(async () => {
		world = await buildSearchWorld({ name: 'kb', collection: 'kb', title_field: 'title', content_fields: 'body' });
		// 30 team-red items that match the query best, then 5 team-blue items that match less well.
		for (let i = 0; i < 30; i++) world.items.set('kb', `r${i}`, { title: `Red ${i}`, team: 'red', secret: `red secret ${i}`, body: `Volcano eruption lava magma crater number ${i}.` });
		for (let i = 0; i < 5; i++) world.items.set('kb', `b${i}`, { title: `Blue ${i}`, team: 'blue', secret: `blue secret ${i}`, body: `Volcano trip notes ${i}: we hiked near a crater and ate lunch.` });
		await world.indexing.reindex(world.index, { origin });
	});
	afterAll(async () => {
		await world.close();
	});

	const run = (access: CallerAccess, overrides: Partial<SearchRequest> = {}) =>
		world.search.search({ query: 'volcano lava magma crater eruption', indexes: [world.index], mode: 'semantic', limit: 3, filter: null, fields: ['title', 'secret'], access, origin, ...overrides });

	it('over-fetches past unreadable items so the limit is still met', async () => {
		for (const mode of ['semantic', 'keyword', 'hybrid'] as const) {
			const access = new RuleAccess(world.items, { canRead: true, item: (row) => row.team === 'blue' });
			const hits = await run(access, { mode });
			expect(hits, mode).toHaveLength(3);
			expect(hits.every((h) => h.title.startsWith('Blue'))).toBe(true);
		}
	});

	it('ranks readable items by score and returns requested fields only when readable', async () => {
		const full = await run(new RuleAccess(world.items, { canRead: true }));
		expect(full.every((h) => h.title.startsWith('Red'))).toBe(true);
		for (let i = 1; i < full.length; i++) expect(full[i - 1]!.score).toBeGreaterThanOrEqual(full[i]!.score);
		expect(full[0]!.data.secret).toMatch(/^red secret/);
		expect(full[0]!.passage).toContain('Volcano eruption');
		expect(full[0]).toMatchObject({ field: 'body', chunkIndex: 0 });

		const noSecret = await run(new RuleAccess(world.items, { canRead: true, fields: ['id', 'title', 'body'] }));
		expect(noSecret).toHaveLength(3);
		for (const hit of noSecret) expect(hit.data).toEqual({ title: hit.title });
	});

	it('never ranks an item by a field the caller cannot read', async () => {
		// body is the only indexed field: without it nothing readable matches, in any mode.
		for (const mode of ['semantic', 'keyword', 'hybrid'] as const) {
			expect(await run(new RuleAccess(world.items, { canRead: true, fields: ['id', 'title'] }), { mode })).toEqual([]);
		}
	});

	it('applies the Directus filter through the caller access and refuses unreadable collections', async () => {
		for (const mode of ['semantic', 'keyword', 'hybrid'] as const) {
			const hits = await run(new RuleAccess(world.items, { canRead: true }), { filter: { team: { _eq: 'blue' } }, limit: 10, mode });
			expect(hits.map((h) => h.item).sort(), mode).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
		}
		await expect(run(new RuleAccess(world.items, { canRead: false }))).rejects.toMatchObject({ status: 403 });
	});

	it('returns fewer than the limit when fewer items are readable, without looping', async () => {
		const hits = await run(new RuleAccess(world.items, { canRead: true, item: (row) => row.id === 'b3' }), { limit: 5, mode: 'hybrid' });
		expect(hits.map((h) => h.item)).toEqual(['b3']);
	});

	it('gives hybrid results that do not depend on the limit beyond truncation', async () => {
		const access = new RuleAccess(world.items, { canRead: true });
		const query = 'crater lunch volcano';
		const long = await run(access, { query, mode: 'hybrid', limit: 30 });
		for (const limit of [1, 3, 5, 10, 20]) {
			const short = await run(access, { query, mode: 'hybrid', limit });
			expect(short.map((h) => [h.item, h.score])).toEqual(long.slice(0, limit).map((h) => [h.item, h.score]));
		}
	});

	it('finds by keyword what the vectors rank low, and hybrid keeps it', async () => {
		const access = new RuleAccess(world.items, { canRead: true });
		const keyword = await run(access, { query: 'lunch', mode: 'keyword', limit: 10 });
		expect(keyword.map((h) => h.item).sort()).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
		const hybrid = await run(access, { query: 'lunch', mode: 'hybrid', limit: 5 });
		expect(hybrid.map((h) => h.item).sort()).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
		expect(hybrid[0]!.score).toBeLessThanOrEqual(1);
	});

	it('reranks the first hits with only readable passages, and records the call', async () => {
		const sent: string[][] = [];
		const calls: number[] = [];
		const reranker = {
			provider: 'fake',
			modelId: 'reverse',
			async rerank(_q: string, documents: readonly string[]) {
				sent.push([...documents]);
				return { results: documents.map((_, index) => ({ index, score: index })).reverse(), usage: { inputTokens: 1, latencyMs: 1 } };
			},
		};
		const access = new RuleAccess(world.items, { canRead: true, item: (row) => row.team === 'blue', fields: ['id', 'title', 'body'] });
		const plain = await run(access, { mode: 'hybrid', limit: 5 });
		const reranked = await run(access, { mode: 'hybrid', limit: 5, rerank: { reranker, depth: 3, onCall: (c) => calls.push(c.documents) } });
		expect(reranked.map((h) => h.item)).toEqual([plain[2]!.item, plain[1]!.item, plain[0]!.item, plain[3]!.item, plain[4]!.item]);
		expect(calls).toEqual([3]);
		for (const doc of sent.flat()) expect(doc).not.toMatch(/secret/);
		const short = await run(access, { mode: 'hybrid', limit: 2, rerank: { reranker, depth: 3 } });
		expect(short.map((h) => h.item)).toEqual(reranked.slice(0, 2).map((h) => h.item));
	});

	describe('when one of the reads made at the same time fails', () => {
		const failing = (what: string) => new Error(`${what} failed`);
		/** The world's engine, with some of its calls failing (after a turn of the event loop, as a database would). */
		const engine = (fail: { rank?: boolean; passages?: boolean }) => ({
			...world.fullText,
			engine: world.fullText.engine,
			corpusStatistics: world.fullText.corpusStatistics,
			rank: async (...args: Parameters<typeof world.fullText.rank>) => {
				await new Promise((resolve) => setImmediate(resolve));
				if (fail.rank) throw failing('keyword');
				return world.fullText.rank(...args);
			},
			passages: async (...args: Parameters<typeof world.fullText.passages>) => {
				await new Promise((resolve) => setImmediate(resolve));
				if (fail.passages) throw failing('passages');
				return world.fullText.passages(...args);
			},
		});
		/** A caller whose rules hide nothing (hits' rows are read once the ranking is known), whose row reads may fail. */
		const reader = (failRows: boolean): CallerAccess => {
			const access = new RuleAccess(world.items, { canRead: true });
			return Object.assign(access, {
				readItems: async (...args: Parameters<RuleAccess['readItems']>) => {
					if (failRows) throw failing('rows');
					return RuleAccess.prototype.readItems.apply(access, args);
				},
			});
		};
		const hybrid = (deps: Partial<ConstructorParameters<typeof SearchService>[0]>, access: CallerAccess, fusion?: SearchRequest['fusion']) =>
			new SearchService({ ...world.deps, ...deps }).search({ query: 'volcano crater', indexes: [world.index], mode: 'hybrid', limit: 3, filter: null, fields: ['title'], access, origin, fusion });

		it('rejects with the keyword engine\'s error while the semantic side succeeds, and with the semantic error the other way round', async () => {
			await expect(hybrid({ fullText: engine({ rank: true }) }, reader(false))).rejects.toThrow('keyword failed');
			const embedFails = { embedQuery: async () => Promise.reject(failing('embedding')) };
			await expect(hybrid({ fullText: engine({}), ...embedFails }, reader(false))).rejects.toThrow('embedding failed');
			expect((await hybrid({ fullText: engine({}) }, reader(false))).length).toBe(3);
		});

		it('reports the passages\' error before the rows\' one, whichever fails first', async () => {
			// Keyword hits only: every hit needs the engine's passage.
			const keywordOnly = { semanticWeight: 0 };
			await expect(hybrid({ fullText: engine({ passages: true }) }, reader(true), keywordOnly)).rejects.toThrow('passages failed');
			await expect(hybrid({ fullText: engine({ passages: true }) }, reader(false), keywordOnly)).rejects.toThrow('passages failed');
			await expect(hybrid({ fullText: engine({}) }, reader(true), keywordOnly)).rejects.toThrow('rows failed');
			expect((await hybrid({ fullText: engine({}) }, reader(false), keywordOnly)).map((h) => h.passage)).not.toContain('');
		});
	});

	it('embeds the query once per model, however many indexes share it', async () => {
		const calls: string[] = [];
		const counting = new SearchService({
			...world.deps,
			embedQuery: async (i, text, o) => {
				calls.push(i.embeddingModel ?? 'default');
				return world.deps.embedQuery(i, text, o);
			},
		});
		const twin = { ...world.index, name: 'kb-2' };
		const third = { ...world.index, name: 'kb-3' };
		const hits = await counting.search({ query: 'volcano', indexes: [world.index, twin, third], mode: 'hybrid', limit: 3, filter: null, fields: [], access: new RuleAccess(world.items, { canRead: true }), origin });
		expect(hits.length).toBeGreaterThan(0);
		expect(calls).toEqual(['default']);
	});

	it('embeds once when one index names the default model and another leaves it unset', async () => {
		const calls: string[] = [];
		const counting = new SearchService({
			...world.deps,
			// Both resolve to the same model: the default one.
			queryModelKey: async () => 'local-hash-384',
			embedQuery: async (i, text, o) => {
				calls.push(i.embeddingModel ?? 'default');
				return world.deps.embedQuery(i, text, o);
			},
		});
		const named = { ...world.index, name: 'kb-named', embeddingModel: 'model-row-uuid' };
		const hits = await counting.search({ query: 'volcano', indexes: [world.index, named], mode: 'hybrid', limit: 3, filter: null, fields: [], access: new RuleAccess(world.items, { canRead: true }), origin });
		expect(hits.length).toBeGreaterThan(0);
		expect(calls).toHaveLength(1);
	});
});
