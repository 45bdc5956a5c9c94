import { cosineSimilarity } from '../embeddings/cosine-similarity.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidPayloadError, NotFoundError } from '../errors.js';
import type { MetadataValue, VectorMatch, VectorRecord, VectorStore } from './types.js';
import { seededRandom } from '../seeded-random.js';

/** What a conformance run needs: a fresh store, and how to throw its backing state away. */
export interface ConformanceSubject {
	store: VectorStore;
	cleanup(): Promise<void>;
}

const DIMS = 16;

function randomVector(next: () => number, dims = DIMS): number[] {
	return Array.from({ length: dims }, () => next() * 2 - 1);
}


const CATEGORIES = ['a', 'b', 'c'] as const;

/** 300 records over 100 items (3 chunks each) with varied metadata, some keys missing or null. */
function dataset(seed: number): VectorRecord[] {
	const next = seededRandom(seed);
	return Array.from({ length: 300 }, (_, i) => {
		const metadata: Record<string, MetadataValue> = {
			category: CATEGORIES[i % 3] as string,
			year: 2000 + Math.floor(next() * 21),
			weight: Math.round(next() * 1000) / 100,
			flag: next() < 0.5,
		};
		if (i % 4 === 0) metadata.tag = 'x';
		else if (i % 4 === 1) metadata.tag = null;
		return { id: `rec-${i}`, itemKey: `item-${Math.floor(i / 3)}`, chunkIndex: i % 3, vector: randomVector(next), content: `content of ${i}`, metadata };
	});
}

/** Exact top-k by cosine over the records the predicate keeps: the reference every store must match. */
function bruteForce(records: readonly VectorRecord[], vector: number[], limit: number, keep: (r: VectorRecord) => boolean = () => true): { id: string; score: number }[] {
	return records
		.filter(keep)
		.map((r) => ({ id: r.id, score: cosineSimilarity(r.vector, vector) }))
		.sort((a, b) => b.score - a.score)
		.slice(0, limit);
}

function expectSameRanking(actual: VectorMatch[], expected: { id: string; score: number }[]): void {
	expect(actual.map((m) => m.id)).toEqual(expected.map((e) => e.id));
	actual.forEach((match, i) => expect(match.score).toBeCloseTo((expected[i] as { score: number }).score, 4));
}

const meta = (r: VectorRecord, key: string): MetadataValue => (key in r.metadata ? (r.metadata[key] ?? null) : null);

/** A store under test that, on cleanup, is closed and then whatever it runs on (`closeAfter`, in order). */
export function conformanceSubject(store: VectorStore, ...closeAfter: (() => Promise<unknown> | unknown)[]): ConformanceSubject {
	return {
		store,
		cleanup: async () => {
			await store.close();
			for (const close of closeAfter) await close();
		},
	};
}

/**
 * Registers the VectorStore conformance suite. Every implementation must pass it; the
 * reference results are brute-force cosine computed here, not constants.
 */
export function describeVectorStoreConformance(name: string, factory: () => Promise<ConformanceSubject>): void {
	describe(`VectorStore conformance: ${name}`, () => {
		let subject: ConformanceSubject;
		let store: VectorStore;
		let counter = 0;
		const records = dataset(42);
		const queries = [randomVector(seededRandom(7)), randomVector(seededRandom(8)), randomVector(seededRandom(9))];
		let shared = '';
		const fresh = (): string => `conf_${++counter}_${Date.now().toString(36)}`;

		beforeAll(async () => {
			subject = await factory();
			store = subject.store;
			shared = fresh();
			await store.ensureNamespace(shared, DIMS);
			await store.upsert(shared, records);
		});

		afterAll(async () => {
			await subject?.cleanup();
		});

		it('reports healthy', async () => {
			await expect(store.health()).resolves.toMatchObject({ ok: true });
		});

		it('ensureNamespace is idempotent and rejects other dimensions', async () => {
			const ns = fresh();
			await store.ensureNamespace(ns, 8);
			await store.ensureNamespace(ns, 8);
			await expect(store.ensureNamespace(ns, 12)).rejects.toBeInstanceOf(InvalidPayloadError);
			const info = (await store.listNamespaces()).filter((n) => n.name === ns);
			expect(info).toEqual([{ name: ns, dimensions: 8, count: 0 }]);
		});

		it('ranks nearest first with cosine scores matching brute force', async () => {
			expect(await store.count(shared)).toBe(records.length);
			for (const vector of queries) {
				const matches = await store.query(shared, { vector, limit: 10 });
				expectSameRanking(matches, bruteForce(records, vector, 10));
			}
		});

		it('returns the stored content, item, chunk and metadata of each match', async () => {
			const target = records[123] as VectorRecord;
			const [top] = await store.query(shared, { vector: target.vector, limit: 1 });
			expect(top).toBeDefined();
			expect(top?.score).toBeCloseTo(1, 4);
			expect(top).toMatchObject({ id: target.id, itemKey: target.itemKey, chunkIndex: target.chunkIndex, content: target.content });
			expect(top?.metadata).toEqual(target.metadata);
		});

		it('upserting an existing id replaces it without duplicates', async () => {
			const ns = fresh();
			await store.ensureNamespace(ns, DIMS);
			const subset = records.slice(0, 30);
			await store.upsert(ns, subset);
			const replaced: VectorRecord = { ...(subset[5] as VectorRecord), vector: randomVector(seededRandom(99)), content: 'replaced', metadata: { category: 'z' } };
			await store.upsert(ns, [replaced]);
			await store.upsert(ns, subset.slice(10, 20)); // same state again: idempotent
			expect(await store.count(ns)).toBe(30);
			const all = await store.query(ns, { vector: replaced.vector, limit: 100 });
			expect(all).toHaveLength(30);
			expect(new Set(all.map((m) => m.id)).size).toBe(30);
			expect(all[0]).toMatchObject({ id: replaced.id, content: 'replaced', metadata: { category: 'z' } });
			expect(all[0]?.score).toBeCloseTo(1, 4);
			const expected = bruteForce([...subset.filter((r) => r.id !== replaced.id), replaced], replaced.vector, 30);
			expectSameRanking(all, expected);
		});

		it('deleteByItem removes every chunk of the given items only', async () => {
			const ns = fresh();
			await store.ensureNamespace(ns, DIMS);
			const subset = records.slice(0, 30); // items 0..9, 3 chunks each
			await store.upsert(ns, subset);
			await store.deleteByItem(ns, ['item-1', 'item-4', 'no-such-item']);
			expect(await store.count(ns)).toBe(24);
			const remaining = subset.filter((r) => r.itemKey !== 'item-1' && r.itemKey !== 'item-4');
			const vector = queries[0] as number[];
			expectSameRanking(await store.query(ns, { vector, limit: 50 }), bruteForce(remaining, vector, 50));
			await store.deleteByItem(fresh(), ['item-2']); // missing namespace: no error
		});

		it('deleteChunksFrom trims one item from the given chunk on', async () => {
			const ns = fresh();
			await store.ensureNamespace(ns, DIMS);
			const next = seededRandom(5);
			const chunks = (itemKey: string): VectorRecord[] =>
				Array.from({ length: 5 }, (_, i) => ({ id: `${itemKey}:${i}`, itemKey, chunkIndex: i, vector: randomVector(next), content: `${itemKey} ${i}`, metadata: {} }));
			await store.upsert(ns, [...chunks('long'), ...chunks('other')]);
			await store.deleteChunksFrom(ns, 'long', 2);
			const left = await store.query(ns, { vector: randomVector(next), limit: 20 });
			expect(left.filter((m) => m.itemKey === 'long').map((m) => m.chunkIndex).sort()).toEqual([0, 1]);
			expect(left.filter((m) => m.itemKey === 'other')).toHaveLength(5);
			expect(await store.count(ns)).toBe(7);
		});

		const filterCases: { label: string; filter: Parameters<VectorStore['query']>[1]['filter']; keep: (r: VectorRecord) => boolean }[] = [
			{ label: 'equality', filter: { category: 'b' }, keep: (r) => meta(r, 'category') === 'b' },
			{ label: 'boolean equality with a range', filter: { flag: true, year: { gt: 2015 } }, keep: (r) => meta(r, 'flag') === true && (meta(r, 'year') as number) > 2015 },
			{ label: 'one-of', filter: { category: ['a', 'c'] }, keep: (r) => ['a', 'c'].includes(meta(r, 'category') as string) },
			{ label: 'not equal', filter: { category: { ne: 'a' } }, keep: (r) => meta(r, 'category') !== 'a' },
			{ label: 'numeric range', filter: { year: { gte: 2005, lt: 2010 } }, keep: (r) => (meta(r, 'year') as number) >= 2005 && (meta(r, 'year') as number) < 2010 },
			{ label: 'float range', filter: { weight: { gt: 2.5, lte: 7.5 } }, keep: (r) => (meta(r, 'weight') as number) > 2.5 && (meta(r, 'weight') as number) <= 7.5 },
			{ label: 'null matches null or missing', filter: { tag: null }, keep: (r) => meta(r, 'tag') === null },
			{ label: 'ne null keeps present values', filter: { tag: { ne: null } }, keep: (r) => meta(r, 'tag') !== null },
			{ label: 'ne keeps records missing the key', filter: { tag: { ne: 'x' } }, keep: (r) => meta(r, 'tag') !== 'x' },
		];

		for (const { label, filter, keep } of filterCases) {
			it(`filters: ${label}`, async () => {
				const vector = queries[1] as number[];
				const expected = bruteForce(records, vector, 15, keep);
				expect(expected.length).toBeGreaterThan(0);
				expectSameRanking(await store.query(shared, { vector, limit: 15, filter }), expected);
			});
		}

		it('filters compare types strictly and an empty one-of matches nothing', async () => {
			const vector = queries[2] as number[];
			expect(await store.query(shared, { vector, limit: 5, filter: { year: '2005' } })).toEqual([]);
			expect(await store.query(shared, { vector, limit: 5, filter: { category: [] } })).toEqual([]);
		});

		it('itemKeys restricts candidates, alone and with a filter', async () => {
			const vector = queries[2] as number[];
			const keys = ['item-3', 'item-17', 'item-42', 'item-77', 'item-98'];
			const inKeys = (r: VectorRecord): boolean => keys.includes(r.itemKey);
			expectSameRanking(await store.query(shared, { vector, limit: 8, itemKeys: keys }), bruteForce(records, vector, 8, inKeys));
			expectSameRanking(
				await store.query(shared, { vector, limit: 8, itemKeys: keys, filter: { category: { ne: 'b' } } }),
				bruteForce(records, vector, 8, (r) => inKeys(r) && meta(r, 'category') !== 'b'),
			);
			expect(await store.query(shared, { vector, limit: 8, itemKeys: [] })).toEqual([]);
		});

		it('minScore drops weaker matches', async () => {
			const vector = queries[0] as number[];
			const ranked = bruteForce(records, vector, 6);
			const fifth = (ranked[4] as { score: number }).score;
			const sixth = (ranked[5] as { score: number }).score;
			const matches = await store.query(shared, { vector, limit: 50, minScore: (fifth + sixth) / 2 });
			expectSameRanking(matches, ranked.slice(0, 5));
		});

		it('counts, lists and isolates namespaces', async () => {
			const one = fresh();
			const two = fresh();
			await store.ensureNamespace(one, DIMS);
			await store.ensureNamespace(two, DIMS);
			const next = seededRandom(11);
			const same = (content: string): VectorRecord => ({ id: 'shared-id', itemKey: 'k', chunkIndex: 0, vector: randomVector(next), content, metadata: {} });
			const inOne = same('in one');
			await store.upsert(one, [inOne, ...records.slice(0, 9)]);
			await store.upsert(two, [same('in two')]);
			expect(await store.count(one)).toBe(10);
			expect(await store.count(two)).toBe(1);
			expect(await store.count(fresh())).toBe(0);
			const [hit] = await store.query(two, { vector: inOne.vector, limit: 5 });
			expect(hit?.content).toBe('in two');
			await store.deleteByItem(two, ['k']);
			expect(await store.count(one)).toBe(10);
			const listed = await store.listNamespaces();
			expect(listed.filter((n) => n.name === one || n.name === two).sort((a, b) => a.name.localeCompare(b.name))).toEqual(
				[{ name: one, dimensions: DIMS, count: 10 }, { name: two, dimensions: DIMS, count: 0 }].sort((a, b) => a.name.localeCompare(b.name)),
			);
		});

		it('dropNamespace removes the namespace and its records', async () => {
			const ns = fresh();
			await store.ensureNamespace(ns, DIMS);
			await store.upsert(ns, records.slice(0, 12));
			await store.dropNamespace(ns);
			expect(await store.count(ns)).toBe(0);
			expect((await store.listNamespaces()).some((n) => n.name === ns)).toBe(false);
			expect(await store.query(ns, { vector: queries[0] as number[], limit: 3 })).toEqual([]);
			await store.dropNamespace(ns); // missing: no error
			await store.ensureNamespace(ns, 8); // free to come back with other dimensions
			expect(await store.count(ns)).toBe(0);
			await expect(store.upsert(ns, records.slice(0, 1))).rejects.toBeInstanceOf(InvalidPayloadError);
		});

		it('rejects writes to a missing namespace and vectors of the wrong size', async () => {
			await expect(store.upsert(fresh(), records.slice(0, 1))).rejects.toBeInstanceOf(NotFoundError);
			await expect(store.query(shared, { vector: [1, 0, 0], limit: 3 })).rejects.toBeInstanceOf(InvalidPayloadError);
			await expect(store.ensureNamespace('bad name/../x', DIMS)).rejects.toBeInstanceOf(InvalidPayloadError);
		});
	});
}
