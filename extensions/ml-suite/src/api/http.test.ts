import type { Accountability } from '@directus/types';
import express, { type Request } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MlError } from '../core/errors.js';
import { currentCallBudget } from '../core/providers/call-budget.js';
import { RateLimitedError } from '../core/rate-limit/user-rate-limiter.js';
import { currentUsageScope } from '../core/usage/usage-scope.js';
import type { Container } from './container.js';
import { BodyBuffers, JsonText, parseInput, registeredRoutes, route, type Handler, type RouteSpec } from './http.js';

const USER: Accountability = { user: 'u1', role: 'r1', roles: ['r1'], admin: false, app: true, ip: '10.0.0.1' };
const ADMIN: Accountability = { ...USER, user: 'a1', admin: true };

interface Fake {
	locked: boolean;
	consumed: string[];
	limit: number;
	deadlineMs: number;
}

const servers: Server[] = [];
afterEach(async () => {
	await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

/** Serves one route() on an express app, with the caller Directus would have authenticated. */
async function serve<B extends z.ZodType = z.ZodUnknown, Q extends z.ZodType = z.ZodUnknown>(
	method: 'get' | 'post',
	spec: RouteSpec<B, Q>,
	handler: Handler<B, Q>,
	options: { accountability?: Accountability | null; fake?: Partial<Fake> } = {},
): Promise<{ url: string; fake: Fake; router: express.Router }> {
	const fake: Fake = { locked: false, consumed: [], limit: Number.POSITIVE_INFINITY, deadlineMs: 0, ...options.fake };
	const container = {
		directus: { isLocked: async () => fake.locked },
		rateLimiter: () => ({
			consume: async (key: string) => {
				fake.consumed.push(key);
				if (fake.consumed.length > fake.limit) throw new RateLimitedError(fake.limit, 60, 1500);
			},
		}),
		host: { logger: { error: () => undefined } },
		config: { ML_INTERACTIVE_TIMEOUT_MS: 1234, ML_INTERACTIVE_MAX_RETRIES: 1, ML_INTERACTIVE_DEADLINE_MS: fake.deadlineMs },
	} as unknown as Container;
	const app = express();
	app.use(express.json());
	app.use((req, _res, next) => {
		Object.assign(req as Request & { accountability?: Accountability | null }, { accountability: options.accountability === undefined ? USER : options.accountability, schema: { collections: {} } });
		next();
	});
	const router = express.Router();
	route(router, method, '/thing/:id', spec, handler, async () => container);
	app.use('/ml', router);
	const server = app.listen(0, '127.0.0.1');
	servers.push(server);
	await new Promise<void>((resolve) => server.once('listening', () => resolve()));
	return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ml/thing/7`, fake, router };
}

const post = (url: string, body: unknown): Promise<Response> => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

describe('route()', () => {
	it('parses body and query with zod and hands the handler a plain request; the result is JSON with the spec status', async () => {
		const body = z.object({ text: z.string().min(1), limit: z.number().int().default(5) });
		const query = z.object({ verbose: z.enum(['0', '1']).optional() });
		const { url } = await serve('post', { access: 'user', body, query, status: 201 }, async (req) => ({
			body: req.body,
			query: req.query,
			params: req.params,
			user: req.accountability.user,
			origin: req.origin,
			aborted: req.signal.aborted,
		}));
		const response = await post(`${url}?verbose=1`, { text: 'hi' });
		expect(response.status).toBe(201);
		expect(await response.json()).toEqual({
			body: { text: 'hi', limit: 5 },
			query: { verbose: '1' },
			params: { id: '7' },
			user: 'u1',
			origin: { user: 'u1', sourceType: 'route', source: 'route:POST /ml/thing/:id' },
			aborted: false,
		});
	});

	it('answers 400 INVALID_PAYLOAD naming each offending field of the body or query', async () => {
		const { url } = await serve('post', { access: 'user', body: z.object({ text: z.string().min(1), limit: z.number().max(10) }) }, async () => ({ ok: true }));
		const response = await post(url, { text: '', limit: 99 });
		expect(response.status).toBe(400);
		const error = ((await response.json()) as { errors: { message: string; extensions: { code: string; problems: { field: string }[] } }[] }).errors[0]!;
		expect(error.extensions.code).toBe('INVALID_PAYLOAD');
		expect(error.extensions.problems.map((p) => p.field)).toEqual(['text', 'limit']);
		expect(error.message).toMatch(/^Invalid body: "text": .*; "limit": /);

		const { url: getUrl } = await serve('get', { access: 'user', query: z.object({ n: z.coerce.number().int() }) }, async (req) => req.query);
		expect(await (await fetch(`${getUrl}?n=3`)).json()).toEqual({ n: 3 });
		const bad = await fetch(`${getUrl}?n=x`);
		expect(bad.status).toBe(400);
		expect(((await bad.json()) as { errors: { message: string }[] }).errors[0]!.message).toMatch(/^Invalid query: "n"/);
	});

	it('refuses anonymous callers with 401 on user routes, non-admins with 403 on admin routes, and serves public routes to anyone', async () => {
		const handler = async (): Promise<unknown> => ({ ok: true });
		const anonymous = await serve('get', { access: 'user' }, handler, { accountability: null });
		const refused = await fetch(anonymous.url);
		expect(refused.status).toBe(401);
		expect(((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('UNAUTHENTICATED');

		const noIdentity = await serve('get', { access: 'user' }, handler, { accountability: { ...USER, user: null, role: null, admin: false } });
		expect((await fetch(noIdentity.url)).status).toBe(401);

		const nonAdmin = await serve('get', { access: 'admin' }, handler);
		const forbidden = await fetch(nonAdmin.url);
		expect(forbidden.status).toBe(403);
		expect(((await forbidden.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('FORBIDDEN');
		expect((await fetch((await serve('get', { access: 'admin' }, handler, { accountability: ADMIN })).url)).status).toBe(200);

		const publicRoute = await serve('get', { access: 'public' }, async (req) => ({ user: req.accountability.user, admin: req.accountability.admin }), { accountability: null });
		expect(await (await fetch(publicRoute.url)).json()).toEqual({ user: null, admin: false });
	});

	it('maps handler errors to Directus-style bodies, and hides unexpected ones behind a 500', async () => {
		const known = await serve('get', { access: 'user' }, async () => {
			throw new MlError('The index is being rebuilt.', { code: 'INDEX_BUSY', status: 409, details: { index: 'articles' } });
		});
		const conflict = await fetch(known.url);
		expect(conflict.status).toBe(409);
		expect(await conflict.json()).toEqual({ errors: [{ message: 'The index is being rebuilt.', extensions: { code: 'INDEX_BUSY', index: 'articles' } }] });

		const unknown = await serve('get', { access: 'user' }, async () => {
			throw new Error('secret internals');
		});
		const failed = await fetch(unknown.url);
		expect(failed.status).toBe(500);
		expect(JSON.stringify(await failed.json())).not.toContain('secret internals');
	});

	it('sends a JsonText body as its bytes, and gives a pooled buffer back once the response has finished', async () => {
		const buffers = new BodyBuffers();
		const { url } = await serve('post', { access: 'user' }, async () => {
			const { buffer, release } = buffers.acquire(16);
			return new JsonText(buffer.subarray(0, buffer.write('{"ok":true}')), release);
		});
		const response = await fetch(url, { method: 'POST' });
		expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
		expect(response.headers.get('content-length')).toBe('11');
		expect(await response.json()).toEqual({ ok: true });
		expect(buffers.pooled).toBe(1);
	});

	it('lets a handler that returns undefined write its own response', async () => {
		const { url } = await serve('get', { access: 'user' }, async (_req, _container, res) => {
			res.status(202).type('text/plain').send('streamed');
			return undefined;
		});
		const response = await fetch(url);
		expect(response.status).toBe(202);
		expect(await response.text()).toBe('streamed');
	});

	it('refuses with RESOURCE_RESTRICTED while Directus has locked the project, unless the route is served while locked', async () => {
		const locked = await serve('get', { access: 'user' }, async () => ({ ok: true }), { fake: { locked: true } });
		const refused = await fetch(locked.url);
		expect(refused.status).toBe(403);
		expect(((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('RESOURCE_RESTRICTED');
		const exempt = await serve('get', { access: 'user', servedWhileLocked: true }, async () => ({ ok: true }), { fake: { locked: true } });
		expect((await fetch(exempt.url)).status).toBe(200);
	});

	it('counts POST user routes per user for non-admins, answers 429 with Retry-After over the limit, and never counts admins', async () => {
		const limited = await serve('post', { access: 'user' }, async () => ({ ok: true }), { fake: { limit: 1 } });
		expect((await post(limited.url, {})).status).toBe(200);
		const over = await post(limited.url, {});
		expect(over.status).toBe(429);
		expect(over.headers.get('retry-after')).toBe('2');
		expect(limited.fake.consumed).toEqual(['u1', 'u1']);

		const admin = await serve('post', { access: 'user' }, async () => ({ ok: true }), { accountability: ADMIN, fake: { limit: 0 } });
		expect((await post(admin.url, {})).status).toBe(200);
		expect(admin.fake.consumed).toEqual([]);

		const get = await serve('get', { access: 'user' }, async () => ({ ok: true }), { fake: { limit: 0 } });
		expect((await fetch(get.url)).status).toBe(200);
		expect(get.fake.consumed).toEqual([]);

		const optedIn = await serve('get', { access: 'user', rateLimited: true }, async () => ({ ok: true }), { accountability: { ...USER, user: null }, fake: { limit: 5 } });
		await fetch(optedIn.url);
		expect(optedIn.fake.consumed).toEqual(['r1:10.0.0.1']);
	});

	it('runs the handler inside the interactive call budget and usage scope, or the background budget for long-running routes', async () => {
		const seen = async (): Promise<unknown> => {
			const budget = currentCallBudget();
			return { budget: budget ? { timeoutMs: budget.timeoutMs, maxRetries: budget.maxRetries } : null, scope: currentUsageScope() };
		};
		const interactive = await serve('post', { access: 'user' }, seen);
		expect(await (await post(interactive.url, {})).json()).toEqual({
			budget: { timeoutMs: 1234, maxRetries: 1 },
			scope: { user: 'u1', role: 'r1', source: 'route:POST /ml/thing/:id' },
		});
		const long = await serve('post', { access: 'user', longRunning: true }, seen);
		expect(((await (await post(long.url, {})).json()) as { budget: unknown }).budget).toBeNull();
	});

	it('gives up with 504 DEADLINE_EXCEEDED when the handler is still working at the interactive deadline', async () => {
		const { url } = await serve(
			'get',
			{ access: 'user' },
			(req) =>
				new Promise((_resolve, reject) => {
					req.signal.addEventListener('abort', () => reject(new Error('cancelled provider call')), { once: true });
				}),
			{ fake: { deadlineMs: 30 } },
		);
		const response = await fetch(url);
		expect(response.status).toBe(504);
		expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('DEADLINE_EXCEEDED');
	});

	it('records every route for the OpenAPI document', async () => {
		const body = z.object({ q: z.string() });
		const { router } = await serve('post', { access: 'admin', body, status: 201, summary: 'Makes a thing.' }, async () => ({}));
		expect(registeredRoutes(router).at(-1)).toEqual({ method: 'post', path: '/thing/:id', access: 'admin', body, query: undefined, status: 201, response: undefined, summary: 'Makes a thing.', servedWhileLocked: false });
	});
});

describe('BodyBuffers', () => {
	it('hands a buffer out once until it is given back, then reuses it; keeps a bounded number', () => {
		const buffers = new BodyBuffers(2, 1 << 20);
		const first = buffers.acquire(100);
		const second = buffers.acquire(100);
		expect(second.buffer).not.toBe(first.buffer);
		first.release();
		first.release();
		expect(buffers.pooled).toBe(1);
		expect(buffers.acquire(100).buffer).toBe(first.buffer);
		// Too small for the size asked: a new one, and the pooled one stays.
		second.release();
		const larger = buffers.acquire(second.buffer.length + 1);
		expect(larger.buffer.length).toBeGreaterThan(second.buffer.length);
		expect(buffers.pooled).toBe(1);
		// Larger than maxBytes: not kept.
		const huge = buffers.acquire((1 << 20) + 1);
		huge.release();
		larger.release();
		buffers.acquire(10).release();
		expect(buffers.pooled).toBe(2);
	});
});

describe('parseInput', () => {
	it('returns the parsed value, or an InvalidPayloadError whose problems name the path (or where the input came from)', () => {
		expect(parseInput(z.object({ n: z.coerce.number() }), { n: '4' }, 'options')).toEqual({ n: 4 });
		expect(() => parseInput(z.object({ a: z.object({ b: z.string() }) }), { a: { b: 1 } }, 'body')).toThrow(expect.objectContaining({ code: 'INVALID_PAYLOAD', status: 400, details: { problems: [{ field: 'a.b', message: expect.any(String) }] } }));
		expect(() => parseInput(z.string(), 5, 'path')).toThrow(expect.objectContaining({ details: { problems: [{ field: 'path', message: expect.any(String) }] } }));
	});
});
