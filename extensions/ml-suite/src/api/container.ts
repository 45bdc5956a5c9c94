import type { ApiExtensionContext } from '@directus/types';
import { parseConfig } from '../core/config.js';
import type { BaseContainer, HostContext } from './container-types.js';
import { setErrorLogger } from './errors.js';

/**
 * The one composition root. Parses the config once and builds providers, stores, queues and
 * the usage recorder once per process (memoised), for hooks, endpoints and operations alike.
 */
export interface HealthCheck {
	name: string;
	/** Required checks make /ml/health/ready fail; optional ones only degrade /ml/health. */
	required: boolean;
	check(): Promise<{ ok: boolean; message?: string; details?: Record<string, unknown> }>;
}

export interface Container extends BaseContainer {
	healthChecks: HealthCheck[];
	/** Stops workers and flushes buffers; called on Directus shutdown. */
	close(): Promise<void>;
}

let containerPromise: Promise<Container> | null = null;

export function getContainer(context: ApiExtensionContext | HostContext): Promise<Container> {
	containerPromise ??= buildContainer(context as HostContext).catch((error: unknown) => {
		containerPromise = null;
		throw error;
	});
	return containerPromise;
}

/** For tests and the standalone worker: forget the memoised container. */
export async function resetContainer(): Promise<void> {
	const pending = containerPromise;
	containerPromise = null;
	if (pending) await (await pending).close();
}

async function buildContainer(host: HostContext): Promise<Container> {
	const { config, issues } = parseConfig(host.env);
	setErrorLogger((error, message) => host.logger.error(error, message));
	for (const issue of issues) {
		host.logger.error(`[ml-suite] invalid ${issue.variable}=${JSON.stringify(issue.value)}: ${issue.message}. Using the default instead.`);
	}

	const healthChecks: HealthCheck[] = [
		{
			name: 'database',
			required: true,
			async check() {
				await host.database.raw('select 1');
				return { ok: true, message: String(host.database.client.config.client) };
			},
		},
	];

	return {
		config,
		configIssues: issues,
		host,
		healthChecks,
		async close() {
			// Filled in as workers and buffers are added.
		},
	};
}
