/**
 * Tells the operator, once at load, when Directus copies its whole schema for every request
 * (`CACHE_SCHEMA_FREEZE_ENABLED` off, Directus's own default): each collection and field in the
 * schema makes every request dearer then, the suite's 13 collections included (the README's
 * Performance section has the figures for a content read, `GET /items/<collection>`, with and
 * without the suite in both modes). `env` is Directus's parsed env object; the check mirrors Directus's own (`cache.ts`: a truthy
 * value shares one frozen schema). Returns whether it warned.
 */
export function noticeSchemaCopiedPerRequest(env: Record<string, unknown>, logger: { warn(message: string): void }): boolean {
	if (env.CACHE_SCHEMA_FREEZE_ENABLED) return false;
	logger.warn(
		'[ml-suite] Directus copies its whole schema for every request (CACHE_SCHEMA_FREEZE_ENABLED is off), and the suite\'s collections make that copy larger. ' +
			'Set CACHE_SCHEMA_FREEZE_ENABLED=true to have every request share one frozen schema instead (see the suite\'s README, Performance).',
	);
	return true;
}
