import { usageSource } from '../../core/usage/usage-source.js';
import type { Container } from '../container.js';
import { containRedisOutages } from '../redis-outage.js';
import { command } from './cli-action.js';
import { registerEvalCommands } from './eval-cli-commands.js';

export interface CommandLike {
	command(name: string): CommandLike;
	description(text: string): CommandLike;
	argument(name: string, description?: string): CommandLike;
	option(flags: string, description?: string): CommandLike;
	action(fn: (...args: unknown[]) => unknown): CommandLike;
}

/**
 * Extension CLI commands (`directus ml:...`). They run in a Directus CLI process with the same
 * database, env and services as the server, so they need no configuration of their own.
 */
export function registerCliCommands(program: CommandLike, getContainer: () => Promise<Container>): void {
	registerEvalCommands(program, getContainer);

	program
		.command('ml:reindex')
		.description('ML suite: re-index an index now, printing progress (use --force to re-embed unchanged items)')
		.argument('<index>', 'index name (ml_indexes.name)')
		.option('--force', 're-embed items whose content did not change')
		.action(
			command(getContainer, async (container, name, options) => {
				const index = await container.indexes.byName(String(name));
				const force = Boolean((options as { force?: boolean } | undefined)?.force);
				const started = Date.now();
				const outcome = await container.indexing.reindex(index, {
					force,
					origin: { user: null, ...usageSource.cli('ml:reindex') },
					onProgress: (p) => {
						process.stdout.write(`\r[ml] ${index.name}: ${p.processed}/${p.total} items, ${p.result.indexed} indexed, ${p.result.unchanged} unchanged`);
					},
				});
				const seconds = (Date.now() - started) / 1000;
				process.stdout.write(
					`\n[ml] done in ${seconds.toFixed(1)} s: ${outcome.result.indexed} indexed, ${outcome.result.unchanged} unchanged, ${outcome.result.removed} removed, ${outcome.result.chunks} chunks\n`,
				);
			}),
		);

	program
		.command('ml:reconcile')
		.description('ML suite: enqueue every pending or stale document again')
		.action(
			command(getContainer, async (container) => {
				const { requeued, diverged } = await container.sweeper.reconcileNow(0);
				process.stdout.write(`[ml] requeued ${requeued} pending documents and ${diverged} whose indexed text differed from the item\n`);
			}),
		);

	program
		.command('ml:worker')
		.description('ML suite: run queue workers only (scale out with several of these; set ML_WORKERS_IN_PROCESS=false on Directus)')
		.action(async () => {
			containRedisOutages(process, (message) => process.stderr.write(`${message}\n`));
			const container = await getContainer();
			await container.startWorkers();
			container.host.logger.info(`[ml-suite] worker started (queue backend: ${container.queue.backend})`);
			await new Promise<void>((resolve) => {
				let stopping = false;
				const stop = (signal: string): void => {
					if (stopping) return;
					stopping = true;
					container.host.logger.info(`[ml-suite] ${signal}: draining active jobs…`);
					container.close().finally(resolve);
				};
				process.once('SIGTERM', () => stop('SIGTERM'));
				process.once('SIGINT', () => stop('SIGINT'));
			});
			process.exit(0);
		});
}
