import type { Accountability } from '@directus/types';
import { describe, expect, it } from 'vitest';
import type { IndexDefinition } from '../core/indexing/index-definition.js';
import { IndexResolver, type RequestAccess } from './index-resolver.js';
import { testIndex } from '../core/indexing/index-definition.fixtures.js';

const index = (name: string, collection: string): IndexDefinition => testIndex(name, collection, { titleField: null, chunkSize: 800, chunkOverlap: 100, vectorStore: 'default' });

/** Directus's answer per collection: readable, not readable, or readable but inactive (noted as such, not readable). */
class FakeAccess implements RequestAccess {
	readonly inactive = new Set<string>();
	readonly asked: string[] = [];
	constructor(private readonly rules: Record<string, 'read' | 'inactive'>) {}
	async canRead(collection: string): Promise<boolean> {
		this.asked.push(collection);
		if (this.rules[collection] === 'inactive') this.inactive.add(collection);
		return this.rules[collection] === 'read';
	}
	async readItems(): Promise<Map<string, Record<string, unknown>>> {
		return new Map();
	}
	async primaryKey(): Promise<string> {
		return 'id';
	}
}

const editor = { user: 'u1', role: 'r1', admin: false } as Accountability;
const INDEXES = [index('articles', 'articles'), index('secret', 'salaries'), index('archive', 'old_posts')];
const RULES = { articles: 'read', old_posts: 'inactive' } as const;

function setup() {
	const made: FakeAccess[] = [];
	const resolver = new IndexResolver({
		indexes: { active: async () => INDEXES },
		access: () => {
			const access = new FakeAccess(RULES);
			made.push(access);
			return access;
		},
	});
	return { resolver, made };
}

describe('IndexResolver', () => {
	it('without names: every active index over a collection the caller can read', async () => {
		const { resolver } = setup();
		expect((await resolver.resolve(editor)).map((i) => i.name)).toEqual(['articles']);
	});

	it('named: the readable ones, and one 403 for an index that is unknown or over a collection the caller cannot read', async () => {
		const { resolver } = setup();
		expect((await resolver.resolve(editor, ['articles'])).map((i) => i.name)).toEqual(['articles']);
		const unknown = await resolver.resolve(editor, ['nope']).catch((e: unknown) => e);
		const unreadable = await resolver.resolve(editor, ['secret']).catch((e: unknown) => e);
		expect(unknown).toMatchObject({ status: 403, code: 'FORBIDDEN' });
		expect(unreadable).toMatchObject({ status: 403, code: 'FORBIDDEN', message: (unknown as Error).message.replace('"nope"', '"secret"') });
	});

	it('tells a caller with access that a named index is over an inactive collection (409)', async () => {
		const { resolver } = setup();
		await expect(resolver.resolve(editor, ['articles', 'archive'])).rejects.toMatchObject({ status: 409, code: 'COLLECTION_INACTIVE', details: { collection: 'old_posts' } });
		// Not named: it is simply not searched.
		expect((await resolver.resolve(editor)).map((i) => i.name)).toEqual(['articles']);
	});

	it("uses the request's access when given, so what the caller may read is asked once per request", async () => {
		const { resolver, made } = setup();
		const access = resolver.callerAccess(editor);
		await resolver.resolve(editor, ['articles'], undefined, access);
		expect(made).toEqual([access]);
		expect((access as FakeAccess).asked).toEqual(['articles']);
	});
});
