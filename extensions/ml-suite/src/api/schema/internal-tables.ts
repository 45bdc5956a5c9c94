import { INLINE_JOURNAL_TABLES } from '../../core/jobs/knex-inline-journal.js';

/**
 * Plain tables the suite keeps in the Directus database that nobody browses (vectors, caches,
 * queue history; chunk rows once they are plain tables). They are not Directus collections and are kept out of Directus's
 * schema (`DB_EXCLUDE_TABLES`), so they never show in the Data Model or a collection picker.
 */
export const INTERNAL_TABLES: readonly string[] = ['ml_vectors', 'ml_vector_namespaces', 'ml_embedding_cache', 'ml_locks', ...INLINE_JOURNAL_TABLES];
