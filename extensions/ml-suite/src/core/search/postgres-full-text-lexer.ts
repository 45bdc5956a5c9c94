import type { Knex } from 'knex';
import { analyzeQuery, analyzeText, type TextLanguage } from '../text/analyze-text.js';

/** Query text parsed, at most (a query is a few words; this bounds a pasted document). */
const MAX_QUERY_CHARS = 2000;
/** Distinct query terms looked up, at most (as the SQLite engine). */
const MAX_QUERY_TERMS = 32;

/** Text search configurations whose analysis the suite does itself (the SQLite engine's analyzer). */
const SUITE_LANGUAGES: Readonly<Record<string, TextLanguage>> = { english: 'english', simple: 'simple' };

/**
 * How the PostgreSQL keyword engine turns text into terms. `suite`: the suite's own analyzer in
 * JavaScript (`analyzeText`: accent folding, stop words, Porter stemming for English), the one
 * the SQLite engine indexes with; PostgreSQL then stores ready terms and never parses. `postgres`:
 * the deployment's text search configuration (`to_tsvector`), for languages the suite's analyzer
 * does not stem (`german`, `french`, … with Snowball stemmers and stop words).
 */
export interface PostgresLexer {
	readonly kind: 'suite' | 'postgres';
	/**
	 * Each text's terms, every occurrence once (so a text's length is the number of its terms).
	 * `db` runs the parse where PostgreSQL parses (a transaction's connection, so a pool of one
	 * cannot deadlock).
	 */
	terms(texts: readonly string[], db: Knex | Knex.Transaction): Promise<string[][]>;
	/** The query's distinct terms, in order of appearance where known, at most 32. */
	query(query: string, db: Knex | Knex.Transaction): Promise<string[]>;
}

/**
 * The lexer for a text search configuration: the suite's analyzer where it covers the language,
 * else PostgreSQL's parser; `analyzer: 'postgres'` takes PostgreSQL's parser for every language.
 */
export function createPostgresLexer(config: string, analyzer: 'auto' | 'postgres' = 'auto'): PostgresLexer {
	const language = SUITE_LANGUAGES[config];
	return language && analyzer === 'auto' ? suiteLexer(language) : postgresLexer(config);
}

function suiteLexer(language: TextLanguage): PostgresLexer {
	return {
		kind: 'suite',
		terms: (texts) => Promise.resolve(texts.map((text) => analyzeText(text, language))),
		query: (query) => Promise.resolve(analyzeQuery(query.slice(0, MAX_QUERY_CHARS), language, MAX_QUERY_TERMS)),
	};
}

function postgresLexer(config: string): PostgresLexer {
	return {
		kind: 'postgres',
		async terms(texts, db) {
			const out: string[][] = texts.map(() => []);
			if (texts.length === 0) return out;
			// Lexemes with their occurrence counts (positions), in lexeme order: BM25 and passages count terms, order does not matter.
			const rows = (
				await db.raw(`SELECT x.ord::int AS ord, u.lexeme, coalesce(array_length(u.positions, 1), 1) AS tf FROM unnest(?::text[]) WITH ORDINALITY x(text, ord), unnest(to_tsvector(?::regconfig, x.text)) u`, [
					texts as string[],
					config,
				])
			).rows as { ord: number; lexeme: string; tf: number }[];
			for (const r of rows) {
				const terms = out[Number(r.ord) - 1]!;
				for (let i = 0; i < Number(r.tf); i++) terms.push(String(r.lexeme));
			}
			return out;
		},
		async query(query, db) {
			// Parsed by the items' parser (so `covid-19` keeps the `-19` items hold, `0.5` stays one
			// number), except that a hyphenated word is looked up by its parts only: items hold both
			// the whole word and its parts, so the parts match an item whether it hyphenates the word or not.
			const rows = (
				await db.raw(
					`SELECT l.lexeme, min(d.ordinality * 1000 + l.n) AS ord FROM ts_debug(?::regconfig, ?) WITH ORDINALITY d, unnest(d.lexemes) WITH ORDINALITY l(lexeme, n) WHERE d.alias NOT IN ('asciihword', 'hword', 'numhword') GROUP BY l.lexeme ORDER BY ord, l.lexeme LIMIT ${MAX_QUERY_TERMS}`,
					[config, query.normalize('NFKC').slice(0, MAX_QUERY_CHARS)],
				)
			).rows as { lexeme: string }[];
			return rows.map((r) => String(r.lexeme));
		},
	};
}
