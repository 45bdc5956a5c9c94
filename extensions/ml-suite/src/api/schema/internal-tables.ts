import { BUDGET_COUNTER_TABLE, ensureBudgetCounterTable } from '../../core/budgets/knex-budget-counter-store.js';
import { INLINE_JOURNAL_TABLES } from '../../core/jobs/knex-inline-journal.js';
import { ensureQueueDepthTable, QUEUE_DEPTH_TABLE } from '../../core/jobs/queue-depth-history.js';
import { ensureClassifierTables, LABEL_COUNTS_TABLE, MODEL_TESTS_TABLE, VERSIONS_TABLE } from '../../core/classifiers/classifier-versions.js';
import { ensureEmbeddingCacheTable } from '../../core/embeddings/knex-embedding-cache.js';
import { dailyRollupTable, ensureUsageRollupTable, rebuildRollups, USAGE_ROLLUP_TABLE } from '../../core/usage/usage-rollups.js';
import { ensureChunkTable, removeOrphanChunks } from '../../core/indexing/chunk-table.js';
import { embeddedTableNames, ensureEmbeddedTables } from '../../core/vector-stores/embedded-schema.js';
import { POSTGRES_FULL_TEXT_TABLES } from '../../core/search/postgres-full-text-index.js';
import { listSqliteFullTextTables } from '../../core/search/sqlite-full-text-index.js';
import { excludeInternalTables } from './exclude-internal-tables.js';
import type { HostContext } from '../container-types.js';
import { systemAdmin } from './ensure-schema.js';

/**
 * The suite's internal tables: state nobody browses in the admin app. They are plain tables
 * created with knex, not Directus collections, so they do not count towards Directus 12's Core
 * collection limit, need no permissions, and stay out of the data model admins see. The suite
 * reads and writes them with knex only. Other modules (field pickers, full-text tables) use this
 * list to tell them apart from the suite's collections. The extension adds them to Directus's
 * `DB_EXCLUDE_TABLES` when it loads (exclude-internal-tables.ts), so Directus never lists them.
 */
export const INTERNAL_TABLES = [BUDGET_COUNTER_TABLE, 'ml_chunks', 'ml_vectors', 'ml_vector_namespaces', 'ml_embedding_cache', 'ml_locks', USAGE_ROLLUP_TABLE, dailyRollupTable(USAGE_ROLLUP_TABLE), VERSIONS_TABLE, MODEL_TESTS_TABLE, LABEL_COUNTS_TABLE, QUEUE_DEPTH_TABLE, ...INLINE_JOURNAL_TABLES, ...POSTGRES_FULL_TEXT_TABLES] as const;

/** Tables that earlier versions of the suite registered as Directus collections. */
const FORMERLY_REGISTERED = ['ml_chunks'] as const;

/**
 * Start-up step, after the suite's collections exist: turns internal tables that an earlier
 * version registered as collections into plain tables (rows, columns and keys are kept; the
 * foreign key of `ml_chunks` is dropped, see `ensureChunkTable`), then creates whichever internal
 * tables are missing and clears chunks left by documents deleted while the suite was not running. Idempotent.
 * Returns the tables it unregistered.
 */
export async function ensureInternalTables(host: HostContext): Promise<string[]> {
	const unregistered = await unregisterCollections(host, FORMERLY_REGISTERED);
	await ensureChunkTable(host.database);
	await removeOrphanChunks(host.database);
	await ensureEmbeddingCacheTable(host.database);
	await ensureClassifierTables(host.database);
	await ensureUsageRollups(host);
	await ensureBudgetCounterTable(host.database);
	await ensureQueueDepthTable(host.database);
	await ensureEmbeddedTables(host.database, embeddedTableNames('ml_'), host.logger);
	await excludeFullTextTables(host);
	return unregistered;
}

/**
 * SQLite keyword indexes are tables per search index (`ml_fts_*`, FTS5 shadow tables included),
 * so their names cannot be listed when the extension loads: the ones already in the database are
 * added to `DB_EXCLUDE_TABLES` here (new ones as they are created, see the container), and
 * Directus's schema cache is cleared if it may have listed them.
 */
async function excludeFullTextTables(host: HostContext): Promise<void> {
	const client = String((host.database.client as { config?: { client?: unknown } }).config?.client ?? '');
	if (client !== 'sqlite3' && client !== 'better-sqlite3') return;
	const added = excludeInternalTables(host.env, await listSqliteFullTextTables(host.database));
	if (added.length === 0) return;
	const { UtilsService } = host.services;
	await new UtilsService({ accountability: systemAdmin(), schema: await host.getSchema({ bypassCache: true }), knex: host.database }).clearCache({ system: true });
}

/**
 * Removes Directus's metadata about the given collections and keeps their tables and data.
 * Directus has no service for this: `CollectionsService.deleteOne` also drops the table, so the
 * metadata rows (collection, fields, relation meta, permissions, presets) are deleted directly,
 * in one transaction, and Directus's schema cache is cleared through its own service.
 */
export async function unregisterCollections(host: HostContext, tables: readonly string[]): Promise<string[]> {
	const db = host.database;
	const registered: string[] = (await db('directus_collections').select('collection').whereIn('collection', [...tables])).map((r: { collection: string }) => r.collection);
	if (registered.length === 0) return [];
	await db.transaction(async (trx) => {
		await trx('directus_relations').whereIn('many_collection', registered).delete();
		await trx('directus_fields').whereIn('collection', registered).delete();
		await trx('directus_permissions').whereIn('collection', registered).delete();
		await trx('directus_presets').whereIn('collection', registered).delete();
		await trx('directus_collections').whereIn('collection', registered).delete();
	});
	const { UtilsService } = host.services;
	await new UtilsService({ accountability: systemAdmin(), schema: await host.getSchema({ bypassCache: true }), knex: db }).clearCache({ system: true });
	return registered;
}

/**
 * Creates `ml_usage_rollups`; when it is new and `ml_usage` already has rows (an upgrade from a
 * version without rollups), or its latency histograms were just added, fills it from them once
 * (hours already pruned from `ml_usage` keep their totals, without histograms).
 */
async function ensureUsageRollups(host: HostContext): Promise<void> {
	const existed = await host.database.schema.hasTable(USAGE_ROLLUP_TABLE);
	// True when an older table just got its latency histogram columns: they are filled from the raw rows still kept.
	const histogramsAdded = await ensureUsageRollupTable(host.database);
	if ((existed && !histogramsAdded) || !(await host.database.schema.hasTable('ml_usage'))) return;
	const built = await rebuildRollups(host.database);
	if (built > 0) host.logger.info(`[ml-suite] built ${built} hourly usage rollups from existing ml_usage rows`);
}
