import { InvalidPayloadError } from '@directus/errors';
import { defineHook } from '@directus/extensions-sdk';
import type { ApiExtensionContext } from '@directus/types';
import { closeContainerIfBuilt, getContainer } from '../container.js';
import { closeBeforeDatabaseDestroy } from '../shutdown-barrier.js';
import { applySuiteSchema, offerDirectusAiSettings } from '../schema/apply-suite-schema.js';
import { excludeInternalTables } from '../schema/exclude-internal-tables.js';
import { noticeSchemaCopiedPerRequest } from '../schema/schema-copy-notice.js';
import { INTERNAL_TABLES } from '../schema/internal-tables.js';
import { registerCliCommands } from './cli-commands.js';
import { registerEvalSetHooks } from './eval-set-hooks.js';
import { requeuePendingEnrichments } from '../../core/enrichment/enrichment-jobs.js';
import { registerEnrichmentHooks } from './enrichment-hooks.js';
import { registerClassifierHooks } from './classifier-hooks.js';
import { registerDefaultModelHooks } from './default-model-hooks.js';
import { registerIndexingHooks } from './indexing-hooks.js';
import { registerTranscriptionHooks } from './transcription-hooks.js';
import { registerBudgetHooks } from './budget-hooks.js';
import { MODEL_ACCESS_EVENTS } from '../model-access.js';
import { registerSchemaTranslationHooks } from './schema-translation-hooks.js';

export default defineHook(({ init, action, filter }, context) => {
	excludeInternalTables(context.env as Record<string, unknown>, INTERNAL_TABLES);
	noticeSchemaCopiedPerRequest(context.env as Record<string, unknown>, context.logger);
	const container = () => getContainer(context as ApiExtensionContext);
	// Directus destroys its database before it emits `server.stop`: flush while it is still open.
	closeBeforeDatabaseDestroy(context.database, closeContainerIfBuilt);

	// Server start-up: schema, seeds, workers, and a sweep for work a previous process left pending.
	init('app.after', async () => {
		const c = await container();
		await applySuiteSchema(c);
		try {
			if (c.config.ML_WORKERS_IN_PROCESS) await c.startWorkers();
			// With workers elsewhere, Directus still takes part in the (lease-coordinated) sweep, so
			// pending rows are found even when no worker is running.
			else c.sweeper.start();
			for (const index of await c.indexes.active()) await c.scheduleReindexIfStale(index);
			const { requeued } = await c.sweeper.reconcileNow(0);
			if (requeued > 0) c.host.logger.info(`[ml-suite] requeued ${requeued} documents left pending by a previous run`);
			const enrichments = await requeuePendingEnrichments(c.enrichmentJobDeps, 0);
			if (enrichments > 0) c.host.logger.info(`[ml-suite] requeued ${enrichments} items left pending for enrichment by a previous run`);
		} catch (error) {
			c.host.logger.error(error, '[ml-suite] start-up indexing sweep failed; it is retried by the periodic reconcile');
		}
		try {
			const resumed = await c.evaluation.resumeUnfinished();
			if (resumed > 0) c.host.logger.info(`[ml-suite] requeued ${resumed} evaluation runs left unfinished by a previous run`);
		} catch (error) {
			c.host.logger.error(error, '[ml-suite] could not requeue unfinished evaluation runs');
		}
	});

	init('cli.before', (meta) => {
		const { program } = meta as { program: Parameters<typeof registerCliCommands>[0] };
		registerCliCommands(program, container);
	});

	registerIndexingHooks({ action, filter }, container);
	registerEvalSetHooks(filter, container);
	registerEnrichmentHooks({ action, filter }, container);
	registerDefaultModelHooks(action, container);
	registerTranscriptionHooks(action, filter, container);
	registerClassifierHooks(action, container);
	registerBudgetHooks({ action, filter }, container);
	registerSchemaTranslationHooks(action, container);

	// A model row may only name allowed key variables and http(s) servers (on the host allowlist
	// when one is set): otherwise whoever may write ml_models could send any secret anywhere.
	for (const event of ['ml_models.items.create', 'ml_models.items.update']) {
		filter(event, async (payload) => {
			const problems = (await container()).modelPolicy.rowProblems((payload ?? {}) as Record<string, unknown>);
			if (problems.length > 0) throw new InvalidPayloadError({ reason: problems.join('; ') });
			return payload;
		});
	}

	// Registry and prompt edits take effect at once in this process (other instances: on their cache TTL).
	// A registry change can change the model an index embeds with (e.g. a new default): indexes
	// whose vectors no longer match their settings are re-indexed.
	for (const event of ['ml_models.items.create', 'ml_models.items.update', 'ml_models.items.delete']) {
		action(event, async () => {
			const c = await container();
			c.models.invalidate();
			for (const index of await c.indexes.active()) {
				await c.scheduleReindexIfStale(index).catch((error: unknown) => c.host.logger.warn(`[ml-suite] could not schedule reindex of ${index.name}: ${(error as Error).message}`));
			}
		});
	}
	// Who may use which model is cached per caller: permission, policy, role, user and model
	// changes made here clear it (other instances: within its 5 s).
	for (const event of MODEL_ACCESS_EVENTS) {
		action(event, async () => (await container()).modelAccess.invalidate());
	}
	for (const event of ['ml_prompts.items.create', 'ml_prompts.items.update', 'ml_prompts.items.delete']) {
		action(event, async () => (await container()).prompts.invalidate());
	}

	// Directus 12's Settings → AI: keys and models the suite uses without a second configuration.
	action('settings.update', async () => {
		const c = await container();
		await offerDirectusAiSettings(c).catch((error: unknown) => c.host.logger.warn(`[ml-suite] could not apply Directus's AI settings: ${(error as Error).message}`));
	});

	action('server.stop', async () => {
		await (await container()).close();
	});
});
