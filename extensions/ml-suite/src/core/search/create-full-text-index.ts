import type { Knex } from 'knex';
import type { TextLanguage } from '../text/analyze-text.js';
import type { FullTextIndex } from './full-text-index.js';
import { PostgresFullTextIndex } from './postgres-full-text-index.js';
import { SqliteFullTextIndex } from './sqlite-full-text-index.js';

export interface FullTextOptions {
	/**
	 * Keyword language. `english` (default) and `simple`: the suite's analyzer on both databases; on
	 * PostgreSQL any other installed text search configuration (`german`, …) is parsed by PostgreSQL.
	 */
	language?: string;
	/** Told the names of keyword-index tables before they are created (SQLite creates tables per search index). */
	onTables?: (tables: string[]) => void;
}

/**
 * The keyword engine of the database knex talks to: FTS5 on SQLite, BM25 postings on PostgreSQL.
 * Null for other databases (MySQL, MSSQL, Oracle): search then runs semantic-only.
 */
export function createFullTextIndex(knex: Knex, options: FullTextOptions = {}): FullTextIndex | null {
	const client = String((knex.client as { config?: { client?: unknown } }).config?.client ?? '');
	const language = options.language ?? 'english';
	if (client === 'sqlite3' || client === 'better-sqlite3') {
		// FTS5's analyzer here is the suite's own: Porter stemming for English, folding otherwise.
		return new SqliteFullTextIndex({ knex, language: (language === 'english' ? 'english' : 'simple') satisfies TextLanguage, onTables: options.onTables });
	}
	if (client === 'pg' || client === 'postgres' || client === 'postgresql' || client === 'cockroachdb') {
		return new PostgresFullTextIndex({ knex, textSearchConfig: language });
	}
	return null;
}
