import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { POSTGRES_URL, skipUnless } from '../../../../../test/support/services.js';
import { analyzeQuery, analyzeText } from '../text/analyze-text.js';
import { fullTextIndexSuite } from './full-text-index.conformance.js';
import {
	BM25_WEIGHTS_SQL,
	PostgresFullTextIndex,
	POSTGRES_FULL_TEXT_POSTINGS_TABLE,
	POSTGRES_FULL_TEXT_STAT_DELTAS_TABLE,
	POSTGRES_FULL_TEXT_TABLE,
	POSTGRES_FULL_TEXT_TERMS_TABLE,
} from './postgres-full-text-index.js';

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

	const open2 = (textSearchConfig?: string): { knex: Knex; fts: PostgresFullTextIndex } => {
		const schema = `${prefix}_${n++}`;
		const knex = knexFactory({ client: 'pg', connection: POSTGRES_URL, searchPath: [schema], pool: { min: 0, max: 2, afterCreate: (conn: { query(sql: string, cb: (error: Error | null) => void): void }, done: (error: Error | null, conn: unknown) => void) => conn.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`, (error) => done(error, conn)) } });
		open.push(knex);
		return { knex, fts: new PostgresFullTextIndex({ knex, ...(textSearchConfig ? { textSearchConfig } : {}) }) };
	};

	fullTextIndexSuite(() => open2().fts);

	/** The index's statistics as queries see them: each count the sum of its rows. */
	const STATS_SQL = `WITH ${BM25_WEIGHTS_SQL} SELECT s.key, s.docs, round(s.avg * greatest(s.docs, 1)) AS total FROM s`;
	const TERMS_SQL = `SELECT index_key, term, sum(df) AS df FROM ${POSTGRES_FULL_TEXT_TERMS_TABLE} GROUP BY index_key, term`;

	/** Checks the maintained statistics against a count over what is stored; returns the index's key. */
	const expectExactStatistics = async (knex: Knex, index: string, items: number): Promise<number> => {
		const stats = (await knex.raw(STATS_SQL, [index, []])).rows[0];
		expect(Number(stats.docs)).toBe(items);
		const lengths = (
			await knex.raw(`SELECT coalesce(sum(len), 0) AS total, count(*) AS n, count(*) FILTER (WHERE len <> (SELECT coalesce(sum(p.tf), 0) FROM ${POSTGRES_FULL_TEXT_POSTINGS_TABLE} p WHERE p.index_key = ? AND p.item = i.item)) AS wrong FROM ml_fulltext_items i WHERE index_id = ?`, [stats.key, index])
		).rows[0];
		expect(Number(lengths.n)).toBe(items);
		expect(Number(stats.total)).toBe(Number(lengths.total));
		expect(Number(lengths.wrong)).toBe(0);
		const postingLengths = (await knex.raw(`SELECT count(*) AS n FROM ${POSTGRES_FULL_TEXT_POSTINGS_TABLE} p JOIN ml_fulltext_items i ON i.index_id = ? AND i.item = p.item WHERE p.index_key = ? AND p.len <> i.len`, [index, stats.key])).rows[0];
		expect(Number(postingLengths.n)).toBe(0);
		// Every term's frequency is its number of postings (and terms no posting holds count 0).
		const df = (
			await knex.raw(
				`SELECT count(*) AS n FROM (${TERMS_SQL}) t FULL JOIN (SELECT term, count(*) AS n FROM ${POSTGRES_FULL_TEXT_POSTINGS_TABLE} WHERE index_key = ? GROUP BY term) p ON p.term = t.term AND t.index_key = ? WHERE (t.index_key = ? OR t.index_key IS NULL) AND coalesce(t.df, 0) <> coalesce(p.n, 0)`,
				[stats.key, stats.key, stats.key],
			)
		).rows[0];
		expect(Number(df.n)).toBe(0);
		return Number(stats.key);
	};

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
					`WITH ${BM25_WEIGHTS_SQL}
					SELECT p.item, round(sum(w.idf * p.tf * 2.2 / (p.tf + 1.2 * (0.25 + 0.75 * p.len / s.avg))) * 1e9) / 1e9 AS score FROM ${POSTGRES_FULL_TEXT_POSTINGS_TABLE} p JOIN w ON w.term = p.term, s WHERE p.index_key = s.key GROUP BY p.item ORDER BY score DESC, p.item LIMIT ? OFFSET ?`,
					[index, analyzeQuery(query), limit, offset],
				)
			).rows.map((r: { item: string; score: number }) => ({ item: r.item, score: Number(r.score) }));
		// The statistics equal a count over what is stored.
		await expectExactStatistics(knex, index, 397);
		// Counts the rankings that scored every posting (no term could be left out).
		const scoring = vi.spyOn(fts as unknown as { score: (...args: unknown[]) => Promise<unknown> }, 'score');
		let answered = 0;
		for (const query of ['w0x w1x w2x', 'w250x w0x', 'w120x w3x w0x w1x', 'w299x w298x', 'w0x', 'w40x w41x w42x w1x', 'w150x w147x w0x w1x w2x', 'nothingx w0x']) {
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
		expect(answered).toBe(42);
		// Early termination ran (a probe, then candidates of the terms that can place an item) where
		// it is cheaper than a full pass: beside the frequent terms of these queries, not on the
		// single-term ones (12) nor where the terms are about as frequent.
		const paths = scoring.mock.calls.map((call) => call[3] as { from: unknown; probe: boolean });
		expect(paths.filter((p) => p.probe).length).toBeGreaterThanOrEqual(5);
		expect(paths.filter((p) => p.from !== null && !p.probe).length).toBeGreaterThan(0);
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
		expect(await analyzed()).toBe(2);
		const plan = (await knex.raw(`EXPLAIN SELECT * FROM ml_fulltext WHERE index_id = ? AND item = ANY(?)`, [index, ['i1', 'i2']])).rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
		expect(plan).toMatch(/Index Cond: .*item/);
	});

	it('lets a second writer of an index finish while the first one waits inside its transaction (writers only add rows)', async () => {
		const { knex, fts } = open2();
		const index = '1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a';
		const chunk = (item: string, text: string) => ({ item, chunk: 0, field: 'body', position: 0, text, content: text });
		await fts.replaceItems(index, ['x'], [chunk('x', 'alpha beta')]);
		// Another session holds item x's row: a rewrite of x waits for it inside its own transaction.
		const blocker = knexFactory({ client: 'pg', connection: POSTGRES_URL, searchPath: [String(knex.client.config.searchPath[0])], pool: { min: 0, max: 1 } });
		try {
			const held = await blocker.transaction();
			await held.raw(`SELECT 1 FROM ml_fulltext_items WHERE index_id = ? AND item = 'x' FOR UPDATE`, [index]);
			let first = false;
			const rewrite = fts.replaceItems(index, ['x'], [chunk('x', 'alpha gamma')]).then(() => (first = true));
			await expect.poll(async () => Number((await admin.raw(`SELECT count(*) AS n FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'`)).rows[0].n), { timeout: 15_000 }).toBeGreaterThan(0);
			// The other writer adds item y meanwhile and is done before x's rewrite is.
			await fts.replaceItems(index, ['y'], [chunk('y', 'beta delta')]);
			expect(first).toBe(false);
			await held.commit();
			await rewrite;
		} finally {
			await blocker.destroy();
		}
		await expectExactStatistics(knex, index, 2);
		expect((await fts.rank(index, 'gamma delta', { limit: 5 })).map((r) => r.item).sort()).toEqual(['x', 'y']);
		expect(await fts.rank(index, 'alpha', { limit: 5 })).toEqual([expect.objectContaining({ item: 'x' })]);
	});

	it('runs writers of the same item side by side again after they meet: one version stands, statistics exact', async () => {
		const { knex, fts } = open2();
		const index = '3f4a5b6c-7d8e-4f9a-8b0c-2d3e4f5a6b7c';
		const versions = ['red apple', 'green apple pie', 'blue plum', 'yellow plum cake tart'];
		await fts.replaceItems(index, ['other'], [{ item: 'other', chunk: 0, field: 'body', position: 0, text: 'apple plum', content: 'apple plum' }]);
		await Promise.all(versions.map((text) => fts.replaceItems(index, ['x', 'y'], [{ item: 'x', chunk: 0, field: 'body', position: 0, text, content: text }, { item: 'y', chunk: 0, field: 'body', position: 0, text, content: text }])));
		await expectExactStatistics(knex, index, 3);
		const stored = (await knex.raw(`SELECT item, content FROM ${POSTGRES_FULL_TEXT_TABLE} WHERE index_id = ? ORDER BY item`, [index])).rows as { item: string; content: string }[];
		expect(stored.map((r) => r.item)).toEqual(['other', 'x', 'y']);
		expect(versions).toContain(stored[1]!.content);
		expect(stored[2]!.content).toBe(stored[1]!.content);
	});

	it('folds frequency rows into one per term without changing a ranking, also while writers run', async () => {
		const { knex, fts } = open2();
		const index = '2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b';
		let seed = 11;
		const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
		const text = (): string => Array.from({ length: 3 + Math.floor(random() * 12) }, () => `t${Math.floor(random() * random() * 40)}z`).join(' ');
		const write = (keys: string[]) => {
			const items = [...new Set(keys)];
			return fts.replaceItems(index, items, items.map((item) => ({ item, chunk: 0, field: 'body', position: 0, text: text(), content: 'c' })));
		};
		// Many small writes, rewrites and removals, some side by side, with compactions among them.
		for (let round = 0; round < 6; round++) {
			const base = round * 10;
			await Promise.all([
				write(Array.from({ length: 10 }, (_, i) => `i${base + i}`)),
				write([`i${Math.floor(random() * (base + 1))}`]),
				fts.removeItems(index, [`i${Math.floor(random() * (base + 1))}`]),
				fts.compact(index),
				write([`i${Math.floor(random() * (base + 1))}`, `i${Math.floor(random() * (base + 1))}`]),
			]);
		}
		const count = Number((await knex.raw(`SELECT count(*) AS n FROM ml_fulltext_items WHERE index_id = ?`, [index])).rows[0].n);
		const key = await expectExactStatistics(knex, index, count);
		const rows = async () => Number((await knex.raw(`SELECT count(*) AS n FROM ${POSTGRES_FULL_TEXT_TERMS_TABLE} WHERE index_key = ?`, [key])).rows[0].n);
		const queries = ['t0z t1z', 't3z t17z t30z', 't2z', 't39z t5z'];
		const before = await Promise.all(queries.map((q) => fts.rank(index, q, { limit: 20 })));
		expect(await rows()).toBeGreaterThan(Number((await knex.raw(`SELECT count(DISTINCT term) AS n FROM ${POSTGRES_FULL_TEXT_POSTINGS_TABLE} WHERE index_key = ?`, [key])).rows[0].n));
		await fts.compact(index);
		expect(await rows()).toBe(Number((await knex.raw(`SELECT count(DISTINCT term) AS n FROM ${POSTGRES_FULL_TEXT_POSTINGS_TABLE} WHERE index_key = ?`, [key])).rows[0].n));
		expect(Number((await knex.raw(`SELECT count(*) AS n FROM ${POSTGRES_FULL_TEXT_STAT_DELTAS_TABLE} WHERE index_key = ?`, [key])).rows[0].n)).toBe(0);
		await expectExactStatistics(knex, index, count);
		expect(await Promise.all(queries.map((q) => fts.rank(index, q, { limit: 20 })))).toEqual(before);
		expect(before.every((r) => r.length > 0)).toBe(true);
	});

	it('indexes English with the suite analyzer (the SQLite engine\'s terms): PostgreSQL parses nothing', async () => {
		const { knex, fts } = open2();
		expect(fts.analyzer).toBe('suite');
		const index = '8b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e';
		const text = 'Boundary-layer flows over Café surfaces, COVID-19 studies';
		await fts.replaceItems(index, ['a'], [{ item: 'a', chunk: 0, field: 'body', position: 0, text, content: text }], [{ item: 'a', text: `Title. ${text}` }]);
		const chunk = (await knex.raw(`SELECT terms FROM ${POSTGRES_FULL_TEXT_TABLE} WHERE index_id = ?`, [index])).rows[0];
		expect(chunk.terms).toBe(analyzeText(text).join(' '));
		const item = (await knex.raw(`SELECT terms, len FROM ml_fulltext_items WHERE index_id = ?`, [index])).rows[0];
		expect([...item.terms].sort()).toEqual([...new Set(analyzeText(`Title. ${text}`))].sort());
		expect(item.len).toBe(analyzeText(`Title. ${text}`).length);
		// Stemmed and folded as SQLite does: `layers` meets `layer`, `cafe` meets `Café`, `covid 19` meets `COVID-19`.
		for (const query of ['layers', 'cafe', 'covid 19', 'studied']) expect((await fts.rank(index, query, { limit: 5 })).map((r) => r.item), query).toEqual(['a']);
		expect((await fts.matchAll(index, 'boundary')).chunks.map((c) => c.terms)).toEqual([analyzeText(text)]);
	});

	it('finds the chunk holding a term its item\'s whole text lacks (a chunk cut inside a word)', async () => {
		const { fts } = open2();
		const index = '9c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f';
		const whole = 'supercalifragilistic words';
		await fts.replaceItems(index, ['a'], [
			{ item: 'a', chunk: 0, field: 'body', position: 0, text: 'supercali', content: 'supercali' },
			{ item: 'a', chunk: 1, field: 'body', position: 1, text: 'fragilistic words', content: 'fragilistic words' },
		], [{ item: 'a', text: whole }]);
		expect((await fts.matchAll(index, 'supercali')).chunks.map((c) => c.chunk)).toEqual([0]);
		expect((await fts.matchAll(index, 'words')).chunks.map((c) => c.chunk)).toEqual([1]);
		// Ranking is over the whole text, which does not hold the fragment.
		expect(await fts.rank(index, 'supercali', { limit: 5 })).toEqual([]);
		await fts.replaceItems(index, ['a'], [{ item: 'a', chunk: 0, field: 'body', position: 0, text: whole, content: whole }], [{ item: 'a', text: whole }]);
		expect((await fts.matchAll(index, 'supercali')).chunks).toEqual([]);
	});

	describe('with a text search configuration the suite does not analyse (german)', () => {
		it('parses with PostgreSQL: German stemming, and the query parsed like the items (`covid-19` keeps its `-19`)', async () => {
			const { fts } = open2('german');
			expect(fts.analyzer).toBe('postgres');
			const index = '8b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e';
			const docs = [
				{ item: 'compound', text: 'covid-19 Verläufe bei Erwachsenen' },
				{ item: 'parts', text: 'covid Verläufe 19 covid 19 Fälle' },
				{ item: 'houses', text: 'Die Häuser am See' },
			];
			await fts.replaceItems(index, docs.map((d) => d.item), docs.map((d) => ({ item: d.item, chunk: 0, field: 'body', position: 0, text: d.text, content: d.text })));
			expect((await fts.rank(index, 'COVID-19', { limit: 3 })).map((r) => r.item)).toEqual(['compound', 'parts']);
			expect((await fts.rank(index, 'Haus', { limit: 3 })).map((r) => r.item)).toEqual(['houses']);
			expect((await fts.matchAll(index, 'Hauses')).chunks.map((c) => c.item)).toEqual(['houses']);
		});
	});

	it('takes over the previous layout (one frequency row per term, updated in place) as it is', async () => {
		const { knex, fts: before } = open2();
		const index = 'bc5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a';
		const chunk = (item: string, text: string) => ({ item, chunk: 0, field: 'body', position: 0, text, content: text });
		const first = [chunk('a', 'volcano lava eruption'), chunk('b', 'quiet lake volcano'), chunk('c', 'pasta dinner')];
		await before.replaceItems(index, ['a', 'b', 'c'], first);
		await before.compact(index);
		// The previous version's frequency table: keyed by (index, term), no change rows.
		await knex.raw(`DROP INDEX ${POSTGRES_FULL_TEXT_TERMS_TABLE}_term_idx`);
		await knex.raw(`ALTER TABLE ${POSTGRES_FULL_TEXT_TERMS_TABLE} ADD PRIMARY KEY (index_key, term)`);
		await knex.raw(`DROP TABLE ${POSTGRES_FULL_TEXT_STAT_DELTAS_TABLE}`);
		const after = new PostgresFullTextIndex({ knex });
		await after.replaceItems(index, ['c', 'd'], [chunk('c', 'lava cake'), chunk('d', 'volcano lake')]);
		await expectExactStatistics(knex, index, 4);
		const { fts: fresh } = open2();
		await fresh.replaceItems(index, ['a', 'b', 'c', 'd'], [...first.slice(0, 2), chunk('c', 'lava cake'), chunk('d', 'volcano lake')]);
		for (const query of ['volcano', 'lava lake', 'pasta']) expect(await after.search(index, query, { limit: 10 }), query).toEqual(await fresh.search(index, query, { limit: 10 }));
	});

	it('converts the tsvector layout of earlier versions on first use: the same answers as an index built from scratch', async () => {
		const { knex } = open2();
		const index = 'ab4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f';
		const chunks = [
			{ item: 'a', chunk: 0, field: 'body', position: 0, text: 'Title A. Volcanoes erupt lava.', content: 'Volcanoes erupt lava.' },
			{ item: 'a', chunk: 1, field: 'body', position: 1, text: 'Title A. The volcano erupted twice.', content: 'The volcano erupted twice.' },
			{ item: 'b', chunk: 0, field: 'body', position: 0, text: 'Title B. A quiet lake with a dormant volcano.', content: 'A quiet lake with a dormant volcano.' },
			{ item: 'c', chunk: 0, field: 'summary', position: 0, text: 'Title C. Cooking pasta.', content: 'Cooking pasta.' },
		];
		// The previous version's tables and rows, as it wrote them.
		await knex.raw(`CREATE TABLE ml_fulltext (index_id varchar(64) NOT NULL, item varchar(255) NOT NULL, chunk integer NOT NULL, field varchar(255) NOT NULL, position integer NOT NULL, content text NOT NULL, matched text NOT NULL, tsv tsvector NOT NULL, PRIMARY KEY (index_id, item, chunk))`);
		await knex.raw(`CREATE INDEX ml_fulltext_tsv_idx ON ml_fulltext USING gin (tsv)`);
		await knex.raw(`CREATE TABLE ml_fulltext_items (index_id varchar(64) NOT NULL, item varchar(255) NOT NULL, tsv tsvector NOT NULL, len integer, PRIMARY KEY (index_id, item))`);
		await knex.raw(`CREATE TABLE ml_fulltext_postings (index_id varchar(64) NOT NULL, term text NOT NULL, item varchar(255) NOT NULL, tf integer NOT NULL, len integer NOT NULL, PRIMARY KEY (index_id, term, item))`);
		await knex.raw(`CREATE TABLE ml_fulltext_terms (index_id varchar(64) NOT NULL, term text NOT NULL, df integer NOT NULL, PRIMARY KEY (index_id, term))`);
		await knex.raw(`CREATE TABLE ml_fulltext_stats (index_id varchar(64) PRIMARY KEY, docs bigint NOT NULL, total bigint NOT NULL)`);
		for (const c of chunks) await knex.raw(`INSERT INTO ml_fulltext VALUES (?, ?, ?, ?, ?, ?, ?, to_tsvector('english', ?))`, [index, c.item, c.chunk, c.field, c.position, c.content, c.text, c.text]);
		await knex.raw(`INSERT INTO ml_fulltext_items SELECT index_id, item, to_tsvector('english', string_agg(matched, ' ' ORDER BY chunk)), 0 FROM ml_fulltext GROUP BY index_id, item`);
		await knex.raw(`INSERT INTO ml_fulltext_postings SELECT i.index_id, u.lexeme, i.item, 1, 1 FROM ml_fulltext_items i, unnest(i.tsv) u`);
		await knex.raw(`INSERT INTO ml_fulltext_stats VALUES (?, 3, 3)`, [index]);

		// Two engines start together: one converts, the other waits for it and finds the new layout.
		const [converted, alsoStarted] = [new PostgresFullTextIndex({ knex }), new PostgresFullTextIndex({ knex })];
		const [counted] = await Promise.all([converted.count(index), alsoStarted.count(index)]);
		expect(counted).toBe(4);
		const columns = (await knex.raw(`SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'ml_fulltext' ORDER BY column_name`)).rows.map((r: { column_name: string }) => r.column_name);
		expect(columns).toEqual(['chunk', 'content', 'field', 'index_id', 'item', 'position', 'terms']);

		const { fts: fresh } = open2();
		await fresh.replaceItems(index, ['a', 'b', 'c'], chunks);
		for (const query of ['volcano eruption', 'lava', 'pasta lake', 'title']) {
			expect(await converted.search(index, query, { limit: 10 }), query).toEqual(await fresh.search(index, query, { limit: 10 }));
			expect(await converted.matchAll(index, query), query).toEqual(await fresh.matchAll(index, query));
		}
		// Writes after the conversion keep it exact.
		await converted.replaceItems(index, ['c'], [{ item: 'c', chunk: 0, field: 'summary', position: 0, text: 'Title C. Lava cake.', content: 'Lava cake.' }]);
		await fresh.replaceItems(index, ['c'], [{ item: 'c', chunk: 0, field: 'summary', position: 0, text: 'Title C. Lava cake.', content: 'Lava cake.' }]);
		expect(await converted.search(index, 'lava', { limit: 10 })).toEqual(await fresh.search(index, 'lava', { limit: 10 }));
	});
});

