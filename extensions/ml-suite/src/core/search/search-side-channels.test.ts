import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchMode } from './search-service.js';
import { buildSearchWorld, origin, RuleAccess, type SearchWorld } from './search-worlds.fixtures.js';

/**
 * Issue 8, "ranking side channels", as a property: two worlds with the same content readable by
 * a caller and different content hidden from them give that caller identical responses (hits,
 * ranks, scores, chunk positions, passages) in every mode.
 */
const INDEX = { name: 'articles', collection: 'articles', title_field: 'title', content_fields: 'body,notes', context_fields: 'summary' };

const topics = ['volcano lava eruption crater', 'glacier ice melting climate', 'discount code coupon shop', 'river flood rain dam', 'orbit satellite rocket launch'];

/** Deterministic pseudo-random words, so worlds can be rebuilt identically. */
function words(seed: number, count: number): string {
	const vocabulary = 'alpha basalt canyon delta ember fjord geyser harbor island jungle karst lagoon mesa nebula oasis prairie quartz reef savanna tundra upland valley wetland xeric yardang zenith'.split(' ');
	let x = seed * 2654435761;
	const out: string[] = [];
	for (let i = 0; i < count; i++) {
		x = (x ^ (x >>> 13)) * 1274126177;
		out.push(vocabulary[Math.abs(x) % vocabulary.length]!);
	}
	return out.join(' ');
}

async function world(variant: 'a' | 'b'): Promise<SearchWorld> {
	const w = await buildSearchWorld(INDEX);
	for (let i = 0; i < 24; i++) {
		const topic = topics[i % topics.length]!;
		const published = i % 3 !== 0;
		// Readable to the restricted caller: published items' title, summary and body.
		const row: Record<string, unknown> = {
			title: `Article ${i}`,
			status: published ? 'published' : 'draft',
			summary: `About ${topic.split(' ')[0]} ${i}`,
			body: `${topic} ${words(i, 30)}. ${words(i + 100, 40)} ${topic.split(' ').reverse().join(' ')}.`,
			// Hidden from the restricted caller (field rule): differs between the worlds.
			notes: variant === 'a' ? `internal ${words(i + 500, 10)}` : `internal discount code 906${i % 10} ${topics[(i + 2) % topics.length]} ${words(i + 900, 60)} volcano volcano`,
		};
		if (!published) {
			// Hidden items (item rule): different text, and in world b stuffed with every query term.
			row.body = variant === 'a' ? `${words(i + 300, 20)}` : `${topics.join(' ')} ${topics.join(' ')} discount code 9063 lava lava lava`;
			row.summary = variant === 'a' ? 'draft' : `${topics.join(' ')}`;
		}
		w.items.set('articles', `a${i}`, row);
	}
	if (variant === 'b') {
		// Extra hidden items only world b has.
		for (let i = 0; i < 40; i++) w.items.set('articles', `x${i}`, { title: `Hidden ${i}`, status: 'draft', summary: topics[i % 5], body: `${topics[i % 5]} ${topics[(i + 1) % 5]} ${words(i + 2000, 50)}`, notes: 'volcano lava' });
	}
	await w.indexing.reindex(w.index, { origin });
	return w;
}

describe('ranking uses only what the caller may read', () => {
	let a: SearchWorld;
	let b: SearchWorld;
	beforeAll(async () => {
		[a, b] = await Promise.all([world('a'), world('b')]);
	});
	afterAll(async () => {
		await a?.close();
		await b?.close();
	});

	const readerRules = { canRead: true, item: (row: Record<string, unknown>) => row.status === 'published', fields: ['id', 'title', 'status', 'summary', 'body'] };
	const queries = ['volcano lava', 'discount code 9063', 'glacier melting climate', 'orbit rocket', 'flood', 'about volcano 4', 'nothing matches zzzz'];
	const modes: SearchMode[] = ['semantic', 'keyword', 'hybrid'];

	async function responses(w: SearchWorld, rules: ConstructorParameters<typeof RuleAccess>[1], mode: SearchMode, query: string, limit: number): Promise<unknown> {
		return w.search.search({ query, indexes: [w.index], mode, limit, filter: null, fields: ['title', 'summary', 'notes'], access: new RuleAccess(w.items, rules), origin });
	}

	it('gives a reader with item and field rules identical responses in both worlds', async () => {
		let nonEmpty = 0;
		for (const mode of modes) {
			for (const query of queries) {
				for (const limit of [1, 5, 20]) {
					const ra = await responses(a, readerRules, mode, query, limit);
					const rb = await responses(b, readerRules, mode, query, limit);
					expect(rb, `${mode} "${query}" limit ${limit}`).toEqual(ra);
					if ((ra as unknown[]).length > 0) nonEmpty++;
				}
			}
		}
		expect(nonEmpty).toBeGreaterThan(30);
	});

	it('also when a context field mixed into every chunk is hidden', async () => {
		const rules = { ...readerRules, fields: ['id', 'title', 'status', 'body'] };
		for (const mode of modes) {
			for (const query of queries.slice(0, 4)) expect(await responses(b, rules, mode, query, 10), `${mode} ${query}`).toEqual(await responses(a, rules, mode, query, 10));
		}
	});

	it('while a caller who may read everything does see the difference (the property can fail)', async () => {
		const admin = { canRead: true };
		let differ = 0;
		for (const mode of modes) {
			for (const query of queries.slice(0, 4)) {
				if (JSON.stringify(await responses(a, admin, mode, query, 10)) !== JSON.stringify(await responses(b, admin, mode, query, 10))) differ++;
			}
		}
		expect(differ).toBe(modes.length * 4);
	});

	it('finds nothing through a hidden field, and no hidden item shows up', async () => {
		const hits = (await responses(b, readerRules, 'hybrid', 'discount code 9063', 20)) as { item: string; data: Record<string, unknown> }[];
		for (const hit of hits) {
			expect(hit.item.startsWith('x')).toBe(false);
			expect(hit.data.notes).toBeUndefined();
		}
		const admin = (await responses(b, { canRead: true }, 'keyword', 'discount code 9063', 20)) as { item: string }[];
		expect(admin.length).toBeGreaterThan(hits.length);
	});
});
