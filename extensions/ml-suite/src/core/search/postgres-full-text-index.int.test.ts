import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { POSTGRES_URL, skipUnless } from '../../../../../test/support/services.js';
import { analyzeQuery, analyzeText } from '../text/analyze-text.js';
import { fullTextIndexSuite } from './full-text-index.conformance.js';
import { PostgresFullTextIndex, POSTGRES_FULL_TEXT_POSTINGS_TABLE, POSTGRES_FULL_TEXT_TABLE, POSTGRES_FULL_TEXT_STATS_TABLE, POSTGRES_FULL_TEXT_TERMS_TABLE } from './postgres-full-text-index.js';

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

	/** Every posting as a row of its own (term, item, tf, len, block), from the packed rows. */
	const POSTINGS_UNPACKED = `(SELECT r.index_key, r.term, r.block, u.item, u.tf, u.len FROM ${POSTGRES_FULL_TEXT_POSTINGS_TABLE} r, unnest(r.items, r.tfs, r.lens) AS u(item, tf, len))`;

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
					`WITH s AS (SELECT key, docs, total::float8 / docs AS avg FROM ${POSTGRES_FULL_TEXT_STATS_TABLE} WHERE index_id = ?),
					w AS (SELECT t.term, ln(1 + (s.docs - t.df + 0.5) / (t.df + 0.5)) AS idf FROM ${POSTGRES_FULL_TEXT_TERMS_TABLE} t, s WHERE t.index_key = s.key AND t.term = ANY(?::text[]))
					SELECT p.item, round(sum(w.idf * p.tf * 2.2 / (p.tf + 1.2 * (0.25 + 0.75 * p.len / s.avg))) * 1e9) / 1e9 AS score FROM ${POSTINGS_UNPACKED} p JOIN w ON w.term = p.term, s WHERE p.index_key = s.key GROUP BY p.item ORDER BY score DESC, p.item LIMIT ? OFFSET ?`,
					[index, analyzeQuery(query), limit, offset],
				)
			).rows.map((r: { item: string; score: number }) => ({ item: r.item, score: Number(r.score) }));
		// The statistics equal a count over what is stored.
		const stats = (await knex.raw(`SELECT key, docs, total FROM ${POSTGRES_FULL_TEXT_STATS_TABLE} WHERE index_id = ?`, [index])).rows[0];
		expect(Number(stats.docs)).toBe(397);
		const lengths = (
			await knex.raw(`SELECT sum(len) AS total, count(*) FILTER (WHERE len <> (SELECT coalesce(sum(p.tf), 0) FROM ${POSTINGS_UNPACKED} p WHERE p.index_key = ? AND p.item = i.item)) AS wrong FROM ml_fulltext_items i WHERE index_id = ?`, [stats.key, index])
		).rows[0];
		expect(Number(stats.total)).toBe(Number(lengths.total));
		expect(Number(lengths.wrong)).toBe(0);
		const postingLengths = (await knex.raw(`SELECT count(*) AS n FROM ${POSTINGS_UNPACKED} p JOIN ml_fulltext_items i ON i.index_id = ? AND i.item = p.item WHERE p.index_key = ? AND (p.len <> i.len OR p.block <> i.block OR p.tf <> i.tfs[array_position(i.terms, p.term)])`, [index, stats.key])).rows[0];
		expect(Number(postingLengths.n)).toBe(0);
		const df = (await knex.raw(`SELECT count(*) AS n FROM ${POSTGRES_FULL_TEXT_TERMS_TABLE} t WHERE index_key = ? AND df <> (SELECT count(*) FROM ${POSTINGS_UNPACKED} p WHERE p.index_key = t.index_key AND p.term = t.term)`, [stats.key])).rows[0];
		expect(Number(df.n)).toBe(0);
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
		const paths = scoring.mock.calls.map((call) => call[4] as { from: unknown; probe: boolean });
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
		expect(await analyzed()).toBe(5);
		const plan = (await knex.raw(`EXPLAIN SELECT * FROM ml_fulltext WHERE index_id = ? AND item = ANY(?)`, [index, ['i1', 'i2']])).rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
		expect(plan).toMatch(/Index Cond: .*item/);
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

	/** Checks that every posting, item row and statistic of `index` is what its items' terms make them (packed rows exact). */
	const expectExactRows = async (knex: Knex, index: string): Promise<void> => {
		const stats = (await knex.raw(`SELECT key, docs, total FROM ${POSTGRES_FULL_TEXT_STATS_TABLE} WHERE index_id = ?`, [index])).rows[0];
		const items = (await knex.raw(`SELECT count(*) AS n, coalesce(sum(len), 0) AS total FROM ml_fulltext_items WHERE index_id = ?`, [index])).rows[0];
		expect(Number(stats.docs)).toBe(Number(items.n));
		expect(Number(stats.total)).toBe(Number(items.total));
		// Each item's postings are those of its row's terms, in its own block, with its length; no row is left empty.
		const item = (await knex.raw(`SELECT count(*) AS n FROM ml_fulltext_items i, unnest(i.terms, i.tfs) AS u(term, tf) WHERE i.index_id = ?`, [index])).rows[0];
		const postings = (await knex.raw(`SELECT count(*) AS n FROM ${POSTINGS_UNPACKED} p JOIN ml_fulltext_items i ON i.index_id = ? AND i.item = p.item AND i.block = p.block AND p.tf = i.tfs[array_position(i.terms, p.term)] AND p.len = i.len WHERE p.index_key = ?`, [index, stats.key])).rows[0];
		const all = (await knex.raw(`SELECT count(*) AS n FROM ${POSTINGS_UNPACKED} p WHERE p.index_key = ?`, [stats.key])).rows[0];
		expect(Number(postings.n)).toBe(Number(item.n));
		expect(Number(all.n)).toBe(Number(item.n));
		const empty = (await knex.raw(`SELECT count(*) AS n FROM ${POSTGRES_FULL_TEXT_POSTINGS_TABLE} WHERE index_key = ? AND (items IS NULL OR cardinality(items) = 0)`, [stats.key])).rows[0];
		expect(Number(empty.n)).toBe(0);
		const df = (await knex.raw(`SELECT count(*) AS n FROM ${POSTGRES_FULL_TEXT_TERMS_TABLE} t WHERE index_key = ? AND df <> (SELECT count(*) FROM ${POSTINGS_UNPACKED} p WHERE p.index_key = t.index_key AND p.term = t.term)`, [stats.key])).rows[0];
		expect(Number(df.n)).toBe(0);
	};

	it('packs the postings of a write into one row per term: updating, removing and re-adding an item of a shared block keeps them exact', async () => {
		const { knex, fts } = open2();
		const { fts: fresh } = open2();
		const index = 'c5e6f7a8-9b0c-4d1e-8f2a-3b4c5d6e7f80';
		const text = (item: string, words: string): { item: string; chunk: number; field: string; position: number; text: string; content: string } => ({ item, chunk: 0, field: 'body', position: 0, text: words, content: words });
		const first = [text('a', 'harbour lights at dusk'), text('b', 'harbour cranes lift cargo'), text('c', 'cargo ships and harbour tugs'), text('d', 'mountain lights'), text('e', 'quiet mountain lake harbour')];
		await fts.replaceItems(index, first.map((c) => c.item), first);
		const blocks = async (): Promise<Map<string, number>> => new Map((await knex.raw(`SELECT item, block FROM ml_fulltext_items WHERE index_id = ?`, [index])).rows.map((r: { item: string; block: number }) => [r.item, r.block]));
		// One write, one block: a frequent term has one row holding every item of the block that contains it.
		expect(new Set((await blocks()).values()).size).toBe(1);
		const firstBlock = (await blocks()).get('a');
		const harbour = (await knex.raw(`SELECT items FROM ${POSTGRES_FULL_TEXT_POSTINGS_TABLE} WHERE term = 'harbour'`)).rows;
		expect(harbour.map((r: { items: string[] }) => r.items)).toEqual([['a', 'b', 'c', 'e']]);
		await expectExactRows(knex, index);
		// An update takes the item out of the shared block's rows and writes it into a new block.
		await fts.replaceItems(index, ['b'], [text('b', 'cranes lift containers onto ships')]);
		const moved = await blocks();
		expect(moved.get('b')).not.toBe(moved.get('a'));
		await expectExactRows(knex, index);
		// A removal shrinks the block's rows.
		await fts.removeItems(index, ['d']);
		await expectExactRows(knex, index);
		expect((await knex.raw(`SELECT items FROM ${POSTGRES_FULL_TEXT_POSTINGS_TABLE} WHERE term = 'light'`)).rows.map((r: { items: string[] }) => r.items)).toEqual([['a']]);
		// Re-adding it, and updating the other items of the first block, several at once.
		await fts.replaceItems(index, ['d', 'a', 'e'], [text('d', 'mountain lights return'), text('a', 'harbour at dawn'), text('e', 'lake')]);
		await expectExactRows(knex, index);
		await fts.removeItems(index, ['c']);
		await expectExactRows(knex, index);
		const final = [text('a', 'harbour at dawn'), text('b', 'cranes lift containers onto ships'), text('d', 'mountain lights return'), text('e', 'lake')];
		await fresh.replaceItems(index, final.map((c) => c.item), final);
		for (const query of ['harbour', 'lights mountain', 'cargo', 'ships cranes harbour', 'lake dawn']) {
			expect(await fts.rank(index, query, { limit: 10 }), query).toEqual(await fresh.rank(index, query, { limit: 10 }));
			expect(await fts.matchAll(index, query), query).toEqual(await fresh.matchAll(index, query));
		}
		// Every item left the first block (the last one, c, removed): the rows they emptied are gone.
		expect((await knex.raw(`SELECT count(*) AS n FROM ${POSTGRES_FULL_TEXT_POSTINGS_TABLE} WHERE block = ?`, [firstBlock])).rows[0].n).toBe('0');
	});

	it('packs the postings of the previous layout (one row per term and item) on first use: the same answers and rows as a fresh index', async () => {
		const { knex: source, fts: built } = open2();
		const { knex } = open2();
		const index = 'd6f7a8b9-0c1d-4e2f-9a3b-4c5d6e7f8091';
		let seed = 11;
		const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
		const word = (): string => `w${Math.floor(random() * random() * 80)}x`;
		const chunks = Array.from({ length: 60 }, (_, i) => ({ item: `i${String(i).padStart(2, '0')}`, chunk: 0, field: 'body', position: 0, text: Array.from({ length: 3 + Math.floor(random() * 20) }, word).join(' '), content: '' })).map((c) => ({ ...c, content: c.text }));
		await built.replaceItems(index, chunks.map((c) => c.item), chunks);
		await built.removeItems(index, ['i07']);
		// The previous version's tables, as it created them, holding the rows it wrote for these items.
		const from = (await source.raw('SELECT current_schema() AS s')).rows[0].s as string;
		await knex.raw(`CREATE TABLE ml_fulltext (index_id varchar(64) COLLATE "C" NOT NULL, item varchar(255) COLLATE "C" NOT NULL, chunk integer NOT NULL, field varchar(255) NOT NULL, position integer NOT NULL, content text NOT NULL, terms text NOT NULL, PRIMARY KEY (index_id, item, chunk))`);
		await knex.raw(`CREATE TABLE ml_fulltext_items (index_id varchar(64) COLLATE "C" NOT NULL, item varchar(255) COLLATE "C" NOT NULL, terms text[] NOT NULL, extra text[], len integer NOT NULL, PRIMARY KEY (index_id, item))`);
		await knex.raw(`CREATE TABLE ml_fulltext_postings (index_key integer NOT NULL, term text COLLATE "C" NOT NULL, item varchar(255) COLLATE "C" NOT NULL, tf integer NOT NULL, len integer NOT NULL, PRIMARY KEY (index_key, term, item))`);
		await knex.raw(`CREATE TABLE ml_fulltext_terms (index_key integer NOT NULL, term text COLLATE "C" NOT NULL, df integer NOT NULL, PRIMARY KEY (index_key, term)) WITH (fillfactor = 70)`);
		await knex.raw(`CREATE TABLE ml_fulltext_stats (index_id varchar(64) COLLATE "C" PRIMARY KEY, key integer GENERATED ALWAYS AS IDENTITY UNIQUE, docs bigint NOT NULL, total bigint NOT NULL) WITH (fillfactor = 50)`);
		await knex.raw(`INSERT INTO ml_fulltext SELECT * FROM ??.ml_fulltext`, [from]);
		await knex.raw(`INSERT INTO ml_fulltext_items SELECT index_id, item, terms, extra, len FROM ??.ml_fulltext_items`, [from]);
		await knex.raw(`INSERT INTO ml_fulltext_postings SELECT r.index_key, r.term, u.item, u.tf, u.len FROM ??.ml_fulltext_postings r, unnest(r.items, r.tfs, r.lens) AS u(item, tf, len)`, [from]);
		await knex.raw(`INSERT INTO ml_fulltext_terms SELECT * FROM ??.ml_fulltext_terms`, [from]);
		await knex.raw(`INSERT INTO ml_fulltext_stats (key, index_id, docs, total) OVERRIDING SYSTEM VALUE SELECT key, index_id, docs, total FROM ??.ml_fulltext_stats`, [from]);
		const unpacked = Number((await knex.raw(`SELECT count(*) AS n FROM ml_fulltext_postings`)).rows[0].n);

		// Two engines start together: one packs, the other waits for it and finds the new layout.
		const [converted, alsoStarted] = [new PostgresFullTextIndex({ knex }), new PostgresFullTextIndex({ knex })];
		const [counted] = await Promise.all([converted.count(index), alsoStarted.count(index)]);
		expect(counted).toBe(59);
		const tables = (await knex.raw(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`)).rows.map((r: { table_name: string }) => r.table_name);
		expect(tables).toEqual(['ml_fulltext', 'ml_fulltext_items', 'ml_fulltext_postings', 'ml_fulltext_stats', 'ml_fulltext_terms']);
		// The item table, made by the previous version, is set up as a new one is (rows kept inline, arrays left out of ANALYZE).
		const options = (await knex.raw(`SELECT c.reloptions, (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND a.attstattarget = 0) AS unsampled FROM pg_class c WHERE c.relname = 'ml_fulltext_items' AND c.relnamespace = current_schema()::regnamespace`)).rows[0];
		expect(options.reloptions).toEqual(['toast_tuple_target=8160']);
		expect(options.unsampled).toEqual(['extra', 'terms', 'tfs']);
		const packed = (await knex.raw(`SELECT count(*) AS n, sum(cardinality(items)) AS postings FROM ml_fulltext_postings`)).rows[0];
		expect(Number(packed.postings)).toBe(unpacked);
		expect(Number(packed.n)).toBeLessThan(unpacked / 2);
		await expectExactRows(knex, index);
		for (const query of ['w0x w1x', 'w3x w40x w70x', 'w79x', 'w2x w5x w9x w11x']) {
			for (const limit of [1, 5, 50]) expect(await converted.rank(index, query, { limit }), query).toEqual(await built.rank(index, query, { limit }));
			expect(await converted.matchAll(index, query), query).toEqual(await built.matchAll(index, query));
		}
		// Writes after the conversion keep it exact: an item of a packed block updated, one removed, one re-added.
		for (const fts of [converted, built]) {
			await fts.replaceItems(index, ['i03'], [{ item: 'i03', chunk: 0, field: 'body', position: 0, text: 'w0x w0x w77x', content: 'w0x w0x w77x' }]);
			await fts.removeItems(index, ['i04']);
			await fts.replaceItems(index, ['i07'], [{ item: 'i07', chunk: 0, field: 'body', position: 0, text: 'w1x w77x', content: 'w1x w77x' }]);
		}
		await expectExactRows(knex, index);
		for (const query of ['w0x w77x', 'w1x', 'w3x w40x w70x']) expect(await converted.rank(index, query, { limit: 10 }), query).toEqual(await built.rank(index, query, { limit: 10 }));
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

