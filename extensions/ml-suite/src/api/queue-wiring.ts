import type { z } from 'zod';
import type { MlConfig } from '../core/config.js';
import { chooseQueueBackend, createQueue } from '../core/jobs/create-queue.js';
import { KnexInlineJournal } from '../core/jobs/knex-inline-journal.js';
import type { AdministrableQueue } from '../core/jobs/queue-admin-backend.js';
import { QueueDepthHistory } from '../core/jobs/queue-depth-history.js';
import { QueueAdmin } from '../core/jobs/queue-admin.js';
import type { JobContext, JobDefinition } from '../core/jobs/types.js';
import type { HostContext } from './container-types.js';
import { withUsageScope } from '../core/usage/usage-scope.js';
import { usageSource } from '../core/usage/usage-source.js';

export interface QueueWiring {
	queue: AdministrableQueue;
	admin: QueueAdmin;
	/** Sampled depth of every queue over time (in the Directus database, whatever the backend). */
	depth: QueueDepthHistory;
	/** Why this backend was chosen (shown by /ml/health). */
	reason: string;
	/** Set when the configuration asked for something that could not be honoured. */
	warning: string | undefined;
	/** Registers a job type; `deps` are merged into the dependencies every processor receives. */
	register<D extends object>(definition: JobDefinition<z.ZodType, D, unknown>, deps: D): void;
}

/** Builds the queue the config asks for (BullMQ when Redis is configured, else inline). */
export function buildQueue(config: MlConfig, host: HostContext): QueueWiring {
	const deps: Record<string, unknown> = {};
	const choice = chooseQueueBackend(config, host.env);
	if (choice.warning) host.logger.warn(`[ml-suite] ${choice.warning}`);
	host.logger.info(`[ml-suite] queue backend: ${choice.options.backend} (${choice.reason})`);
	// The inline backend keeps its history (jobs, dead letters, throughput, ids) in the Directus database.
	const journal =
		choice.options.backend === 'inline'
			? new KnexInlineJournal({
					knex: host.database,
					throughputMinutes: choice.options.metricsMinutes,
					onError: (error) => host.logger.warn(`[ml-suite] could not write the inline queue history: ${(error as Error).message}`),
				})
			: undefined;
	const queue = createQueue(choice.options, { jobDeps: () => deps, logger: host.logger, journal });
	const admin = new QueueAdmin(queue);
	return {
		queue,
		admin,
		depth: new QueueDepthHistory(host.database),
		reason: choice.reason,
		warning: choice.warning,
		register<D extends object>(definition: JobDefinition<z.ZodType, D, unknown>, jobDeps: D): void {
			Object.assign(deps, jobDeps);
			admin.noteJob(definition.queue, definition.name);
			// A job's provider calls are system work: no user or role (whoever enqueued it), `job:<name>`.
			const scope = { user: null, role: null, source: usageSource.job(definition.name).source };
			queue.register({ ...definition, process: (data: unknown, d: D, ctx: JobContext) => withUsageScope(scope, () => definition.process(data, d, ctx)) });
		},
	};
}
