import { expect } from 'vitest';
import type { DirectusInstance } from './directus.js';

/** Creates a collection with the given string/text fields through the REST API (as an admin would). */
export async function createCollection(directus: DirectusInstance, collection: string, fields: Record<string, 'string' | 'text' | 'integer'>): Promise<void> {
	const res = await directus.request('POST', '/collections', {
		body: {
			collection,
			meta: { icon: 'article' },
			schema: {},
			fields: [
				{ field: 'id', type: 'integer', meta: { hidden: true }, schema: { is_primary_key: true, has_auto_increment: true } },
				...Object.entries(fields).map(([field, type]) => ({ field, type, meta: {}, schema: {} })),
			],
		},
	});
	expect(res.status, res.text).toBe(200);
}

/** Polls `fn` until it returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let last: unknown;
	while (Date.now() < deadline) {
		try {
			const value = await fn();
			if (value) return value;
		} catch (error) {
			last = error;
		}
		await new Promise((r) => setTimeout(r, 150));
	}
	throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
