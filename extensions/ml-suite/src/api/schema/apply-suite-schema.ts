import { offerDirectusAiModels } from '../../core/providers/directus-ai-settings.js';
import { LEGACY_SOURCE_TYPES } from '../../core/usage/usage-source.js';
import type { Container } from '../container.js';
import { DEMO_COLLECTIONS } from './demo-collections.js';
import { ensureModuleBar } from './ensure-module-bar.js';
import { ENRICHMENT_COLLECTIONS, ENRICHMENT_RELATIONS, ENRICHMENT_TABLE_INDEXES } from './enrichment-collections.js';
import { ensureSchema } from './ensure-schema.js';
import { EVAL_COLLECTIONS, EVAL_RELATIONS, EVAL_TABLE_INDEXES } from './eval-collections.js';
import { ensureLayouts } from './ensure-layouts.js';
import { ensureFileTranscriptField } from './ensure-file-transcript-field.js';
import { ensureInternalTables } from './internal-tables.js';
import { ML_COLLECTIONS, ML_LAYOUTS, ML_RELATIONS, ML_TABLE_INDEXES } from './ml-collections.js';
import { ensureTranslationRows, languagesInUse, schemaTexts, translatedCollections, upgradeUntranslatedMeta } from './schema-translations.js';
import { seedDemoContent } from './seed-demo.js';
import { seedDemoEvalSet } from './seed-eval-set.js';
import { DEMO_ENRICHMENTS, seedEnrichments } from './seed-enrichments.js';
import { DEMO_INDEXES, seedIndexes, seedRagIndex } from './seed-indexes.js';

/** Outcome of the start-up schema step, reported by /ml/health. */
export interface SchemaStatus {
	applied: boolean;
	error: string | null;
	seeded: boolean;
	/** Collections, fields and relations this start-up had to create (empty when all existed). */
	created: string[];
	/** Internal tables this start-up turned from registered collections into plain tables (upgrades). */
	unregistered: string[];
}

/** The suite's own collections (the demo's are content, not the suite's). */
export const SUITE_COLLECTIONS = [...ML_COLLECTIONS, ...ENRICHMENT_COLLECTIONS, ...EVAL_COLLECTIONS];

/** The schema step's outcome before it ran (the container holds one per process). */
export function emptySchemaStatus(): SchemaStatus {
	return { applied: false, error: null, seeded: false, created: [], unregistered: [] };
}

/**
 * Start-up step: make sure the ml_* collections exist and, on a fresh project, seed the demo.
 * A failure is logged and reported by /ml/health; Directus keeps running.
 */
export async function applySuiteSchema(container: Container): Promise<void> {
	const { host, config, schemaStatus } = container;
	if (!config.ML_APPLY_SCHEMA) return;
	try {
		const ml = await ensureSchema(
			host,
			translatedCollections(SUITE_COLLECTIONS),
			[...ML_RELATIONS, ...ENRICHMENT_RELATIONS, ...EVAL_RELATIONS],
			[...ML_TABLE_INDEXES, ...ENRICHMENT_TABLE_INDEXES, ...EVAL_TABLE_INDEXES],
		);
		schemaStatus.unregistered = await ensureInternalTables(host);
		if (schemaStatus.unregistered.length > 0) host.logger.info(`[ml-suite] schema: ${schemaStatus.unregistered.join(', ')} kept as plain tables (no longer Directus collections)`);
		// A field of a system collection: not part of the suite's snapshot (ml_* only), so logged, not reported as created.
		if (await ensureFileTranscriptField(host)) host.logger.info('[ml-suite] schema: added the transcript panel to directus_files (field ml_transcript)');
		schemaStatus.created = [...ml.createdCollections, ...ml.createdFields, ...ml.createdRelations];
		if (schemaStatus.created.length > 0) host.logger.info(`[ml-suite] schema: created ${schemaStatus.created.join(', ')}`);
		schemaStatus.applied = true;
		await translateSuiteSchema(container);
		await ensureLayouts(host, ML_LAYOUTS);
		// Usage rows written before the source vocabulary existed group with the new ones.
		for (const [legacy, current] of Object.entries(LEGACY_SOURCE_TYPES)) {
			await host.database('ml_usage').update({ source_type: current }).where('source_type', legacy);
		}
		const defaults = { chunkSize: config.ML_CHUNK_SIZE, chunkOverlap: config.ML_CHUNK_OVERLAP };
		await container.models.seedFromConfig(config);
		await offerDirectusAiSettings(container);
		await container.prompts.seedDefaults();
		await ensureModuleBar(host, ['ml-models', 'ml-playground', 'ml-queue', 'ml-evaluation', 'ml-usage'], container.directus.major);
		await seedRagIndex(host.database, defaults);
		container.indexes.invalidate();
		if (config.ML_SEED_DEMO) {
			const demo = await ensureSchema(host, DEMO_COLLECTIONS, []);
			if (demo.createdCollections.includes('articles')) {
				const counts = await seedDemoContent(container);
				await seedIndexes(host.database, DEMO_INDEXES, defaults);
				// The pipelines are added after the content, so they fill it by backfill (a job with progress).
				const pipelines = await seedEnrichments(host.database, DEMO_ENRICHMENTS);
				container.enrichments.invalidate();
				for (const id of pipelines) await container.queue.enqueue('enrich-backfill', { enrichmentId: id }).catch((error: unknown) => host.logger.warn(`[ml-suite] demo enrichment backfill not enqueued: ${(error as Error).message}`));
				// The demo items' save hooks ran before their indexes existed: forget that answer.
				container.indexes.invalidate();
				await seedDemoEvalSet(container, 'articles').catch((error: unknown) => host.logger.error(error, '[ml-suite] seeding the demo evaluation set failed'));
				schemaStatus.seeded = true;
				host.logger.info(`[ml-suite] demo content: ${counts.articles} articles, ${counts.tasks} tasks`);
			}
		}
	} catch (error) {
		schemaStatus.error = error instanceof Error ? error.message : String(error);
		host.logger.error(error, '[ml-suite] applying the suite schema failed');
	}
}

/**
 * The suite collections' names, notes and choices in the admin user's language: translated meta
 * for installs that predate it (untouched fields only), and custom translation rows for every
 * language in use (or the given ones, when a user or the project picks a new language).
 */
export async function translateSuiteSchema(container: Container, languages?: string[]): Promise<void> {
	const { host } = container;
	const upgraded = languages ? [] : await upgradeUntranslatedMeta(host, SUITE_COLLECTIONS);
	if (upgraded.length > 0) host.logger.info(`[ml-suite] schema: translated the names and notes of ${upgraded.length} collections and fields`);
	const rows = await ensureTranslationRows(host, schemaTexts(SUITE_COLLECTIONS), languages ?? (await languagesInUse(host)));
	if (rows.created + rows.removed > 0) host.logger.info(`[ml-suite] schema: custom translations: ${rows.created} added, ${rows.removed} no longer used removed`);
}

/**
 * Reads Directus 12's Settings → AI and offers its chat models in ml_models (Directus 11 has no
 * such settings: nothing happens). Called at start-up and when the settings change.
 */
export async function offerDirectusAiSettings(container: Container): Promise<void> {
	const settings = await container.aiSettings.refresh();
	if (settings) {
		const offered = await offerDirectusAiModels(container.host.database, settings);
		if (offered.length > 0) container.host.logger.info(`[ml-suite] offering chat models from Directus's AI settings: ${offered.join(', ')}`);
	}
	container.models.invalidate();
}
