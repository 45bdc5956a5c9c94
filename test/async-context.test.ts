import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeOptions } from '../directus.config.js';
import { eventually } from './support/content.js';
import { startDirectus, type DirectusInstance } from './support/directus.js';

const PROBE = `--import=${pathToFileURL(join(import.meta.dirname, 'support', 'promise-hooks-probe.mjs')).href}`;

/** Asks the probe preloaded into the Directus process whether async hooks track promises. */
async function promiseHooks(d: DirectusInstance): Promise<'on' | 'off'> {
	const seen = d.logs().split('[promise-hooks]').length;
	process.kill(d.pid, 'SIGUSR2');
	let answer: 'on' | 'off' | undefined;
	await eventually(async () => {
		const parts = d.logs().split('[promise-hooks]');
		if (parts.length > seen) answer = (parts.at(-1) ?? '').trim().startsWith('on') ? 'on' : 'off';
		return answer !== undefined;
	}, 10_000, 'promise-hooks probe answer');
	return answer!;
}

/**
 * Issue 16: the suite keeps per-call context (usage scope, call budget) in AsyncLocalStorage. On
 * Node 22 its first use turned on async hooks for the whole Directus process (a hook on every
 * promise of every request, Directus's own routes included); the Directus process the suite's
 * scripts start runs Node's async-context frame instead, so no hook runs, and the context still
 * follows each call.
 */
describe('AsyncLocalStorage without process-wide async hooks', () => {
	let directus: DirectusInstance;
	let userId: string;

	beforeAll(async () => {
		directus = await startDirectus({ env: { NODE_OPTIONS: PROBE, ML_USAGE_FLUSH_MS: '200' } });
		const token = await directus.createUser({ email: 'async-context@example.com', permissions: [{ collection: 'ml_models', action: 'read' }] });
		userId = (await directus.request('GET', '/users/me', { token })).body.data.id;
		const res = await directus.request('POST', '/ml/embeddings/generate', { token, body: { text: 'a call made under the usage scope' } });
		expect(res.status, res.text).toBe(200);
	}, 400_000);
	afterAll(async () => {
		await directus?.stop();
	}, 120_000);

	it('adds the async-context frame to NODE_OPTIONS on Node 22, keeping what was given', () => {
		expect(nodeOptions(undefined, '22.23.3')).toBe('--experimental-async-context-frame');
		expect(nodeOptions('--max-old-space-size=4096', '22.23.3')).toBe('--max-old-space-size=4096 --experimental-async-context-frame');
		expect(nodeOptions('--no-experimental-async-context-frame', '22.23.3')).toBe('--no-experimental-async-context-frame');
		// Older Node 22 lacks the option; Node 24 has the frame on by default.
		expect(nodeOptions(undefined, '22.6.0')).toBe('');
		expect(nodeOptions('--import=x', '24.1.0')).toBe('--import=x');
	});

	it('runs no async hooks on promises after /ml calls, and still attributes the call to its caller', async () => {
		expect(await promiseHooks(directus)).toBe('off');
		await eventually(async () => {
			const rows = (await directus.request('GET', '/items/ml_usage?limit=-1&fields=user')).body.data as { user: string | null }[];
			return rows.some((row) => row.user === userId);
		}, 30_000, 'usage row of the caller');
	});
});
