import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollection, eventually } from './support/content.js';
import { startDirectus, type DirectusInstance } from './support/directus.js';
import { REDIS_URL, skipUnless } from './support/services.js';

/**
 * Issue 13, budgets on a real Directus, once with counters in the database (no Redis, inline
 * queue) and once with counters in Redis (BullMQ queue): a `block` budget turns provider calls
 * into 429s naming the budget and when it resets; a `warn` budget notifies admins at 80% and
 * 100%, once each per period; parallel calls overshoot a limit by at most one call; a queued
 * job that hits a block lands in the dead letters with the reason; bad budget rows are 400s.
 */
const variants = [
	{ name: 'database counters (no Redis)', redis: false },
	{ name: 'Redis counters', redis: true },
] as const;

describe.each(variants)('budgets: $name', ({ redis }) => {
	let directus: DirectusInstance;
	let skip = false;
	const prefix = `mlbudget${randomUUID().slice(0, 8)}`;
	let n = 0;
	/** A text no earlier call embedded (the embedding cache would otherwise answer without a provider call). */
	const fresh = (): string => `budget probe ${++n} ${prefix} about apples pears and plums`;

	const userWithRole = async (email: string): Promise<{ token: string; id: string; role: string }> => {
		const token = await directus.createUser({ email, permissions: [{ collection: 'ml_models', action: 'read' }] });
		const id = (await directus.request('GET', '/users/me?fields=id', { token })).body.data.id;
		const role = (await directus.request('GET', `/users/${id}?fields=role`)).body.data.role;
		return { token, id, role };
	};
	const createBudget = async (body: Record<string, unknown>): Promise<string> => {
		const res = await directus.request('POST', '/items/ml_budgets', { body: { status: 'active', period: 'day', metric: 'tokens', ...body } });
		expect(res.status, res.text).toBe(200);
		return res.body.data.id;
	};
	const embed = (token: string | undefined, text = fresh()) => directus.request('POST', '/ml/embeddings/generate', { ...(token ? { token } : {}), body: { text } });
	const tokensOf = async (user: string): Promise<number> => {
		const rows = (await directus.request('GET', `/items/ml_usage?limit=-1&fields=input_tokens&filter[user][_eq]=${user}&filter[status][_eq]=success`)).body.data as { input_tokens: number }[];
		return rows.reduce((s, r) => s + r.input_tokens, 0);
	};

	beforeAll(async () => {
		if (redis && (await skipUnless('redis'))) {
			skip = true;
			return;
		}
		directus = await startDirectus({
			env: {
				ML_USAGE_FLUSH_MS: '100',
				ML_RATE_LIMIT_REQUESTS: '0',
				...(redis ? { ML_REDIS_URL: REDIS_URL, ML_QUEUE_PREFIX: prefix } : { ML_QUEUE: 'inline' }),
			},
		});
	}, 400_000);
	afterAll(async () => {
		await directus?.stop();
	}, 120_000);

	it('a block budget fails calls with 429 naming the budget and when it resets; others are unaffected', async (ctx) => {
		if (skip) return ctx.skip();
		const user = await userWithRole(`blocked-${prefix}@example.com`);
		await createBudget({ name: 'Blocked user daily tokens', scope: 'user', scope_value: user.id, limit: 20, action: 'block' });
		let blocked: Awaited<ReturnType<typeof embed>> | undefined;
		let served = 0;
		for (let i = 0; i < 20 && !blocked; i++) {
			const res = await embed(user.token);
			if (res.status === 429) blocked = res;
			else {
				expect(res.status, res.text).toBe(200);
				served++;
			}
		}
		expect(blocked, 'no call was blocked').toBeDefined();
		expect(served).toBeGreaterThan(0);
		const error = blocked!.body.errors[0];
		expect(error.extensions.code).toBe('BUDGET_EXCEEDED');
		expect(error.message).toContain('Blocked user daily tokens');
		const tomorrow = new Date();
		tomorrow.setUTCHours(24, 0, 0, 0);
		expect(error.message).toContain(tomorrow.toISOString());
		expect(error.extensions.resetsAt).toBe(tomorrow.toISOString());
		expect(Number(blocked!.headers.get('retry-after'))).toBeGreaterThan(0);
		// The admin is not in the budget's scope.
		expect((await embed(undefined)).status).toBe(200);
		// The status report shows what was spent against the limit.
		const status = await directus.request('GET', '/ml/budgets/status');
		expect(status.status, status.text).toBe(200);
		const entry = status.body.data.budgets.find((b: { name: string }) => b.name === 'Blocked user daily tokens');
		expect(entry.spent).toBeGreaterThanOrEqual(20);
		expect(entry.limit).toBe(20);
		expect(entry.resetsAt).toBe(tomorrow.toISOString());
		expect(status.body.data.store).toBe(redis ? 'redis' : 'database');
		expect(entry.spent).toBe(await eventually(async () => tokensOf(user.id).then((t) => (t === entry.spent ? t : null)), 10_000, 'usage rows to match the counter'));
	});

	it('a role budget blocks every user of that role', async (ctx) => {
		if (skip) return ctx.skip();
		const user = await userWithRole(`role-${prefix}@example.com`);
		await createBudget({ name: 'Zero role budget', scope: 'role', scope_value: user.role, limit: 0, action: 'block' });
		const res = await embed(user.token);
		expect(res.status, res.text).toBe(429);
		expect(res.body.errors[0].message).toContain('Zero role budget');
	});

	it('a warn budget notifies admins at 80% and at 100%, once per threshold, and never blocks', async (ctx) => {
		if (skip) return ctx.skip();
		const user = await userWithRole(`warned-${prefix}@example.com`);
		const id = await createBudget({ name: 'Warned user tokens', scope: 'user', scope_value: user.id, limit: 50, action: 'warn' });
		const notifications = async (): Promise<{ subject: string; message: string }[]> =>
			(await directus.request('GET', `/notifications?limit=-1&filter[collection][_eq]=ml_budgets&filter[item][_eq]=${id}`)).body.data;
		for (let i = 0; i < 12; i++) expect((await embed(user.token)).status).toBe(200);
		const sent = await eventually(async () => {
			const rows = await notifications();
			return rows.length >= 2 ? rows : null;
		}, 15_000, 'two notifications');
		const subjects = sent.map((r) => r.subject).sort();
		expect(subjects).toHaveLength(2);
		expect(subjects[0]).toContain('100%');
		expect(subjects[1]).toContain('80%');
		for (const s of subjects) expect(s).toContain('Warned user tokens');
		// More calls in the same period send nothing more.
		for (let i = 0; i < 3; i++) expect((await embed(user.token)).status).toBe(200);
		await new Promise((r) => setTimeout(r, 1500));
		expect(await notifications()).toHaveLength(2);
		expect(await tokensOf(user.id)).toBeGreaterThan(50);
	});

	it('parallel calls overshoot a block budget by at most one call', async (ctx) => {
		if (skip) return ctx.skip();
		const user = await userWithRole(`parallel-${prefix}@example.com`);
		const limit = 60;
		await createBudget({ name: 'Parallel cap', scope: 'user', scope_value: user.id, limit, action: 'block' });
		const texts = Array.from({ length: 24 }, () => fresh());
		const results = await Promise.all(texts.map((text) => embed(user.token, text)));
		const ok = results.filter((r) => r.status === 200).length;
		const blocked = results.filter((r) => r.status === 429).length;
		expect(ok + blocked).toBe(texts.length);
		expect(blocked).toBeGreaterThan(0);
		// Refused calls are recorded too (status error, code BUDGET_EXCEEDED): the dashboard shows them.
		const usage = async (status: string): Promise<{ input_tokens: number }[]> =>
			(await directus.request('GET', `/items/ml_usage?limit=-1&fields=input_tokens&filter[user][_eq]=${user.id}&filter[status][_eq]=${status}`)).body.data;
		const spent = await eventually(async () => {
			const rows = await usage('success');
			return rows.length === ok ? rows.reduce((s, r) => s + r.input_tokens, 0) : null;
		}, 10_000, 'usage rows of the admitted calls');
		const perCall = Math.max(...(await usage('success')).map((r) => r.input_tokens));
		const refused = await eventually(async () => {
			const rows = (await directus.request('GET', `/items/ml_usage?limit=-1&fields=error_code&filter[user][_eq]=${user.id}&filter[status][_eq]=error`)).body.data as { error_code: string }[];
			return rows.length === blocked ? rows : null;
		}, 10_000, 'usage rows of the refused calls');
		expect(new Set(refused.map((r) => r.error_code))).toEqual(new Set(['BUDGET_EXCEEDED']));
		expect(spent).toBeGreaterThanOrEqual(limit);
		expect(spent).toBeLessThanOrEqual(limit + perCall);
	});

	it('a queued job that hits a block lands in the dead letters with the reason', async (ctx) => {
		if (skip) return ctx.skip();
		const collection = `budget_notes_${n++}`;
		await createCollection(directus, collection, { title: 'string', body: 'text' });
		await createBudget({ name: 'Notes indexing freeze', scope: 'collection', scope_value: collection, limit: 0, action: 'block' });
		const index = await directus.request('POST', '/items/ml_indexes', { body: { name: collection, collection, title_field: 'title', content_fields: ['body'] } });
		expect(index.status, index.text).toBe(200);
		const item = await directus.request('POST', `/items/${collection}`, { body: { title: 'Frozen', body: `A note that may not be embedded ${prefix}.` } });
		expect(item.status, item.text).toBe(200);
		const entry = await eventually(
			async () => {
				const res = await directus.request('GET', '/ml/dead-letter?start=0&end=99');
				return res.body.data.entries.find((e: { error: string }) => e.error.includes('Notes indexing freeze'));
			},
			60_000,
			'a dead letter naming the budget',
		);
		expect(entry.name).toMatch(/index-items|reindex/);
		expect(entry.error).toContain('resets');
	});

	it('refuses budget rows that cannot be enforced with a 400 naming the problem', async (ctx) => {
		if (skip) return ctx.skip();
		const bad = [
			[{ name: 'x', scope: 'user', limit: 5, action: 'block' }, 'scope_value'],
			[{ name: 'x', scope: 'global', limit: -1, action: 'block' }, 'limit'],
			[{ name: 'x', scope: 'planet', limit: 5, action: 'block' }, 'scope'],
			[{ name: 'x', scope: 'global', limit: 5, action: 'explode' }, 'action'],
		] as const;
		for (const [body, field] of bad) {
			const res = await directus.request('POST', '/items/ml_budgets', { body: { status: 'active', period: 'day', metric: 'tokens', ...body } });
			expect(res.status, res.text).toBe(400);
			expect(res.text).toContain(field);
		}
	});
});
