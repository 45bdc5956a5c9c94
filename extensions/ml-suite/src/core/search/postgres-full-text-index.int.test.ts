import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { POSTGRES_URL, skipUnless } from '../../../../../test/support/services.js';
import { fullTextIndexSuite } from './full-text-index.conformance.js';
import { PostgresFullTextIndex, POSTGRES_FULL_TEXT_POSTINGS_TABLE, POSTGRES_FULL_TEXT_STATS_TABLE, POSTGRES_FULL_TEXT_TERMS_TABLE } from './postgres-full-text-index.js';

describe.skipIf(await skipUnless('postgres'))('PostgresFullTextIndex', () => {
	const prefix = `ml_fts_test_${process.pid}_${Date.now()}`;
	let admin: Knex;
	const open: Knex[] = [];
	let n = 0;

	beforeAll(() => {
		admin = knexFactory({ client: 'pg', connection: POSTGRES_URL, pool: { min: 0, max: 1 } });
	});
	afterAll(async () => {
		for (const knex of open) await knex.destroy();
		for (let i = 0; i < n; i++) await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [`${prefix}_${i}`]);
		await admin.destroy();
	});

	const open2 = (): { knex: Knex; fts: PostgresFullTextIndex } => {
		const schema = `${prefix}_${n++}`;
		const knex = knexFactory({ client: 'pg', connection: POSTGRES_URL, searchPath: [schema], pool: { min: 0, max: 2, afterCreate: (conn: { query(sql: string, cb: (error: Error | null) => void): void }, done: (error: Error | null, conn: unknown) => void) => conn.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`, (error) => done(error, conn)) } });
		open.push(knex);
		return { knex, fts: new PostgresFullTextIndex({ knex }) };
	};

	fullTextIndexSuite(() => open2().fts);

	it('ranks exactly as BM25 summed over every posting of every query term (early termination drops nothing)', async () => {
		const { knex, fts } = open2();
		const index = '6f0a3c8e-1b2d-4c5e-8f90-0123456789ab';
		// 400 items over 300 words drawn with a skew, so queries mix rare and very frequent terms.
		let seed = 7;
		const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
		const word = (): string => `w${Math.floor(random() * random() * random() * 300)}x`;
		const items = Array.from({ length: 400 }, (_, i) => ({ item: `i${String(i).padStart(3, '0')}`, text: Array.from({ length: 5 + Math.floor(random() * 60) }, word).join(' ') }));
		await fts.replaceItems(index, items.map((i) => i.item), items.map((i) => ({ item: i.item, chunk: 0, field: 'body', position: 0, text: i.text, content: i.text })));
		// Updates and deletes in between, so the maintained statistics are what is checked.
		await fts.replaceItems(index, ['i001', 'i002'], [{ item: 'i001', chunk: 0, field: 'body', position: 0, text: 'w0x w1x w250x', content: 'w0x w1x w250x' }]);
		await fts.removeItems(index, ['i003', 'i004']);
		const everyPosting = async (query: string, limit: number, offset: number) =>
			(
				await knex.raw(
					`WITH s AS (SELECT docs, total::float8 / docs AS avg FROM ${POSTGRES_FULL_TEXT_STATS_TABLE} WHERE index_id = ?),
					w AS (SELECT t.term, ln(1 + (s.docs - t.df + 0.5) / (t.df + 0.5)) AS idf FROM ${POSTGRES_FULL_TEXT_TERMS_TABLE} t, s WHERE t.index_id = ? AND t.term IN (SELECT lexeme FROM unnest(to_tsvector('english', ?))))
					SELECT p.item, round(sum(w.idf * p.tf * 2.2 / (p.tf + 1.2 * (0.25 + 0.75 * p.len / s.avg))) * 1e9) / 1e9 AS score FROM ${POSTGRES_FULL_TEXT_POSTINGS_TABLE} p JOIN w ON w.term = p.term, s WHERE p.index_id = ? GROUP BY p.item ORDER BY score DESC, p.item LIMIT ? OFFSET ?`,
					[index, index, query, index, limit, offset],
				)
			).rows.map((r: { item: string; score: number }) => ({ item: r.item, score: Number(r.score) }));
		// The statistics equal a count over what is stored.
		const stats = (await knex.raw(`SELECT docs, total FROM ${POSTGRES_FULL_TEXT_STATS_TABLE} WHERE index_id = ?`, [index])).rows[0];
		expect(Number(stats.docs)).toBe(397);
		const lengths = (await knex.raw(`SELECT sum(len) AS total, count(*) FILTER (WHERE len <> (SELECT coalesce(sum(coalesce(array_length(u.positions, 1), 1)), 0) FROM unnest(tsv) u)) AS wrong FROM ml_fulltext_items WHERE index_id = ?`, [index])).rows[0];
		expect(Number(stats.total)).toBe(Number(lengths.total));
		expect(Number(lengths.wrong)).toBe(0);
		const postingLengths = (await knex.raw(`SELECT count(*) AS n FROM ${POSTGRES_FULL_TEXT_POSTINGS_TABLE} p JOIN ml_fulltext_items i USING (index_id, item) WHERE p.index_id = ? AND p.len <> i.len`, [index])).rows[0];
		expect(Number(postingLengths.n)).toBe(0);
		const df = (await knex.raw(`SELECT count(*) AS n FROM ${POSTGRES_FULL_TEXT_TERMS_TABLE} t WHERE index_id = ? AND df <> (SELECT count(*) FROM ${POSTGRES_FULL_TEXT_POSTINGS_TABLE} p WHERE p.index_id = t.index_id AND p.term = t.term)`, [index])).rows[0];
		expect(Number(df.n)).toBe(0);
		// Counts the rankings that scored every posting (no term could be left out).
		const scoring = vi.spyOn(fts as unknown as { score: (...args: unknown[]) => Promise<unknown> }, 'score');
		let answered = 0;
		for (const query of ['w0x w1x w2x', 'w250x w0x', 'w120x w3x w0x w1x', 'w299x w298x', 'w0x', 'w40x w41x w42x w1x', 'nothingx w0x']) {
			for (const [limit, offset] of [
				[1, 0],
				[3, 0],
				[10, 0],
				[10, 10],
				[50, 0],
				[500, 0],
			] as const) {
				const got = await fts.rank(index, query, { limit, offset });
				expect(got, `${query} ${limit}+${offset}`).toEqual(await everyPosting(query, limit, offset));
				if (got.length > 0) answered++;
			}
		}
		expect(answered).toBe(36);
		// Rankings that scored every posting: the single-term ones (12), those asking for more items
		// than the rarest term's probe finds, and any where no term could be left out.
		const everyTerm = scoring.mock.calls.filter((call) => (call[3] as { from: unknown }).from === null).length;
		expect(42 - everyTerm).toBeGreaterThanOrEqual(15);
	});

	it('refreshes the planner statistics of its tables as an index grows (per-item lookups stay index scans without autovacuum)', async () => {
		const { knex, fts } = open2();
		const index = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
		const analyzed = async (): Promise<number> =>
			Number((await knex.raw(`SELECT count(*) AS n FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname LIKE 'ml_fulltext%' AND last_analyze IS NOT NULL`)).rows[0].n);
		const write = (from: number, to: number) => {
			const items = Array.from({ length: to - from }, (_, i) => `i${from + i}`);
			return fts.replaceItems(index, items, items.map((item) => ({ item, chunk: 0, field: 'body', position: 0, text: `alpha beta ${item}`, content: `alpha beta ${item}` })));
		};
		await write(0, 900);
		expect(await analyzed()).toBe(0);
		await write(900, 1000);
		expect(await analyzed()).toBe(5);
		const plan = (await knex.raw(`EXPLAIN SELECT * FROM ml_fulltext WHERE index_id = ? AND item = ANY(?)`, [index, ['i1', 'i2']])).rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
		expect(plan).toMatch(/Index Cond: .*item/);
	});

	it('parses the query as it parses the items: `covid-19` ranks the items holding its `-19` first', async () => {
		const { fts } = open2();
		const index = '8b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e';
		const docs = [
			{ item: 'compound', text: 'covid-19 outcomes in adults' },
			{ item: 'parts', text: 'covid outcomes 19 covid 19 cases' },
			{ item: 'other', text: 'influenza outcomes' },
		];
		await fts.replaceItems(index, docs.map((d) => d.item), docs.map((d) => ({ item: d.item, chunk: 0, field: 'body', position: 0, text: d.text, content: d.text })));
		expect((await fts.rank(index, 'COVID-19', { limit: 3 })).map((r) => r.item)).toEqual(['compound', 'parts']);
	});
});
