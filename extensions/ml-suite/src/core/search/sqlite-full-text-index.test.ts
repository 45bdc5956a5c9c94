import knexFactory, { type Knex } from 'knex';
import { afterEach, describe, expect, it } from 'vitest';
import { fullTextIndexSuite } from './full-text-index.conformance.js';
import { SqliteFullTextIndex } from './sqlite-full-text-index.js';

describe('SqliteFullTextIndex', () => {
	const open: Knex[] = [];
	afterEach(async () => {
		for (const knex of open.splice(0)) await knex.destroy();
	});
	const make = (): SqliteFullTextIndex => {
		const knex = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
		open.push(knex);
		return new SqliteFullTextIndex({ knex });
	};
	fullTextIndexSuite(make);

	it('scores with FTS5 bm25(): a rarer term outweighs a common one', async () => {
		const fts = make();
		const id = '11111111-2222-3333-4444-555555555555';
		await fts.replaceItems(id, ['a', 'b', 'c'], [
			{ item: 'a', chunk: 0, field: 'body', position: 0, text: 'common words here', content: 'common words here' },
			{ item: 'b', chunk: 0, field: 'body', position: 0, text: 'common rare', content: 'common rare' },
			{ item: 'c', chunk: 0, field: 'body', position: 0, text: 'common again', content: 'common again' },
		]);
		const hits = await fts.search(id, 'common rare', { limit: 3 });
		expect(hits[0]!.item).toBe('b');
	});
});
