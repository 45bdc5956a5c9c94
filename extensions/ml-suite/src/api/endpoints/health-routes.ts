import type { Router } from 'express';
import { publicConfig } from '../../core/config.js';
import type { Container } from '../container.js';
import { route } from '../http.js';
import { SUITE_VERSION } from '../version.js';

type Check = { name: string; required: boolean; ok: boolean; message?: string; details?: Record<string, unknown> };

async function runChecks(container: Container): Promise<Check[]> {
	return Promise.all(
		container.healthChecks.map(async ({ name, required, check }) => {
			try {
				const outcome = await withTimeout(check(), 5000);
				return { name, required, ...outcome };
			} catch (error) {
				return { name, required, ok: false, message: error instanceof Error ? error.message : String(error) };
			}
		}),
	);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`health check timed out after ${ms} ms`)), ms);
		promise.then(
			(value) => {
				clearTimeout(timer);
				resolve(value);
			},
			(error: unknown) => {
				clearTimeout(timer);
				reject(error);
			},
		);
	});
}

export function registerHealthRoutes(router: Router, getContainer: () => Promise<Container>): void {
	router.get('/health/live', (_req, res) => {
		res.json({ live: true, timestamp: new Date().toISOString() });
	});

	route(router, 'get', '/health', { access: 'user', servedWhileLocked: true }, async (req, container) => {
		const checks = await runChecks(container);
		const requiredDownEarly = checks.some((c) => c.required && !c.ok);
		// Configuration, endpoints, messages and warnings are for administrators; others see only whether it works.
		if (req.accountability.admin !== true) {
			return {
				status: requiredDownEarly ? 'error' : checks.some((c) => !c.ok) ? 'degraded' : 'ok',
				timestamp: new Date().toISOString(),
				version: SUITE_VERSION,
				services: Object.fromEntries(checks.map(({ name, ok, required }) => [name, { status: ok ? 'ok' : 'error', required }])),
			};
		}
		const { schemaStatus } = container;
		checks.push({
			name: 'schema',
			required: false,
			ok: schemaStatus.applied || !container.config.ML_APPLY_SCHEMA,
			message: schemaStatus.error ?? (schemaStatus.applied ? 'ml_* collections present' : 'not applied (ML_APPLY_SCHEMA=false)'),
			details: { createdAtStartup: schemaStatus.created, unregisteredAtStartup: schemaStatus.unregistered },
		});
		const requiredDown = checks.some((c) => c.required && !c.ok);
		const anyDown = checks.some((c) => !c.ok) || container.configIssues.length > 0;
		return {
			status: requiredDown ? 'error' : anyDown ? 'degraded' : 'ok',
			timestamp: new Date().toISOString(),
			version: SUITE_VERSION,
			services: Object.fromEntries(checks.map(({ name, ok, message, details, required }) => [name, { status: ok ? 'ok' : 'error', required, message, ...details }])),
			config: publicConfig(container.config),
			configIssues: container.configIssues,
		};
	}, getContainer);

	route(router, 'get', '/health/ready', { access: 'user', servedWhileLocked: true }, async (_req, container, res) => {
		const checks = await runChecks(container);
		const ready = checks.every((c) => !c.required || c.ok);
		res.status(ready ? 200 : 503).json({
			ready,
			status: ready ? 'ready' : 'not_ready',
			checks: Object.fromEntries(checks.map((c) => [c.name, c.ok ? 'ok' : c.message ?? 'error'])),
		});
		return undefined;
	}, getContainer);
}
