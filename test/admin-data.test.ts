import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from './fakes/openai-server.js';
import { createCollection, eventually } from './support/content.js';
import { freshSqliteFile, startDirectus, type DirectusInstance } from './support/directus.js';

/**
 * Issue 17, the data side of the admin app: what an admin sees in the content module for the
 * suite's collections, usage source names, and one default model per task.
 */
interface FieldInfo {
	collection: string;
	field: string;
	type: string;
	meta: { display: string | null; display_options: Record<string, unknown> | null; interface: string | null; options: Record<string, unknown> | null; special: string[] | null } | null;
}

const SOURCE = /^(route|flow|job|hook|cli):\S/;

/** One Directus for the describes that do not restart it (each boot costs a minute here). */
let sharedInstance: Promise<DirectusInstance> | undefined;
const shared = (): Promise<DirectusInstance> => (sharedInstance ??= startDirectus({ env: { ML_USAGE_FLUSH_MS: '200' } }));
afterAll(async () => {
	if (sharedInstance) await (await sharedInstance).stop();
}, 120_000);

describe('the suite collections in the admin app', () => {
	let directus: DirectusInstance;
	let fields: FieldInfo[];
	let collections: { collection: string; meta: { display_template: string | null } | null }[];
	let file: string;

	beforeAll(async () => {
		file = (await freshSqliteFile('admin-data')).file;
		directus = await startDirectus({ sqliteFile: file, env: { ML_USAGE_FLUSH_MS: '200' } });
		fields = (await directus.request('GET', '/fields')).body.data;
		collections = (await directus.request('GET', '/collections')).body.data;
	}, 400_000);
	afterAll(async () => {
		await directus?.stop();
	}, 120_000);

	const suite = (): FieldInfo[] => fields.filter((f) => f.collection.startsWith('ml_'));

	it('shows every labelled value as a readable badge, never as a bare dot', () => {
		const labelled = suite().filter((f) => f.meta?.display === 'labels');
		expect(labelled.map((f) => `${f.collection}.${f.field}`)).toEqual(
			expect.arrayContaining(['ml_models.provider', 'ml_models.task', 'ml_models.status', 'ml_usage.provider', 'ml_usage.capability', 'ml_usage.source_type', 'ml_documents.status']),
		);
		for (const f of labelled) {
			expect(f.meta?.display_options?.showAsDot, `${f.collection}.${f.field}`).not.toBe(true);
			// Every value the form offers has a label of its own in the display.
			const offered = ((f.meta?.options?.choices as { value: string }[] | undefined) ?? []).map((c) => c.value);
			const shown = ((f.meta?.display_options?.choices as { value: string }[] | undefined) ?? []).map((c) => c.value);
			expect(shown, `${f.collection}.${f.field}`).toEqual(expect.arrayContaining(offered));
		}
		const providers = labelled.find((f) => f.collection === 'ml_models' && f.field === 'provider');
		const colours = new Set(((providers?.meta?.display_options?.choices as { background: string }[]) ?? []).map((c) => c.background));
		expect(colours.size, 'providers are told apart by colour').toBe(3);
	});

	it('titles rows with templates made of plain values that exist', () => {
		for (const c of collections.filter((c) => c.collection.startsWith('ml_') && c.meta?.display_template)) {
			const referenced = [...(c.meta?.display_template ?? '').matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1] ?? '');
			expect(referenced.length, c.collection).toBeGreaterThan(0);
			for (const name of referenced) {
				const field = fields.find((f) => f.collection === c.collection && f.field === name.split('.')[0]);
				expect(field, `${c.collection}: {{${name}}}`).toBeDefined();
				// A badge display inside a one-line title renders as a dot or an empty gap.
				expect(field?.meta?.display, `${c.collection}: {{${name}}}`).not.toBe('labels');
			}
		}
		expect(collections.find((c) => c.collection === 'ml_models')?.meta?.display_template).toBe('{{name}}');
	});

	it('shows the index name, not its id, for documents, and links to the indexed item', () => {
		const index = fields.find((f) => f.collection === 'ml_documents' && f.field === 'index');
		expect(index?.meta?.display).toBe('related-values');
		expect(index?.meta?.display_options?.template).toContain('{{name}}');
		const link = fields.find((f) => f.collection === 'ml_documents' && f.field === 'open_item');
		expect(link?.meta?.interface).toBe('presentation-links');
		expect(JSON.stringify(link?.meta?.options)).toContain('/content/{{collection}}/{{item}}');
	});

	it('gives every suite collection a default table layout with the columns an admin reads', async () => {
		const presets = (await directus.request('GET', '/presets?filter[user][_null]=true&filter[role][_null]=true&filter[bookmark][_null]=true&limit=-1')).body.data as {
			collection: string;
			layout: string;
			layout_query: { tabular: { fields: string[]; sort: string[] } };
		}[];
		const layout = (collection: string) => presets.find((p) => p.collection === collection)?.layout_query?.tabular;
		expect(layout('ml_usage')?.fields).toEqual(expect.arrayContaining(['timestamp', 'source', 'model', 'input_tokens', 'output_tokens', 'cost', 'latency_ms', 'status']));
		expect(layout('ml_usage')?.sort).toEqual(['-timestamp']);
		expect(layout('ml_documents')?.fields).toEqual(expect.arrayContaining(['index', 'collection', 'item', 'status']));
		expect(layout('ml_models')?.fields).toEqual(expect.arrayContaining(['name', 'task', 'provider', 'model_id', 'is_default']));
		for (const collection of ['ml_models', 'ml_indexes', 'ml_documents', 'ml_usage', 'ml_prompts', 'ml_rag_documents']) {
			const columns = layout(collection)?.fields ?? [];
			expect(columns.length, collection).toBeGreaterThan(2);
			expect(columns, collection).not.toContain('id');
			for (const column of columns) expect(fields.some((f) => f.collection === collection && f.field === column), `${collection}.${column}`).toBe(true);
		}
	});

	it('keeps a layout the admin changed across restarts, and adds none twice', async () => {
		const preset = (await directus.request('GET', '/presets?filter[collection][_eq]=ml_prompts&filter[user][_null]=true&filter[role][_null]=true')).body.data[0];
		const res = await directus.request('PATCH', `/presets/${preset.id}`, { body: { layout_query: { tabular: { fields: ['name'], sort: ['name'] } } } });
		expect(res.status, res.text).toBe(200);
		const count = (await directus.request('GET', '/presets?limit=-1')).body.data.length;
		await directus.stop();
		directus = await startDirectus({ sqliteFile: file, env: { ML_USAGE_FLUSH_MS: '200' } });
		expect((await directus.request('GET', `/presets/${preset.id}`)).body.data.layout_query.tabular.fields).toEqual(['name']);
		expect((await directus.request('GET', '/presets?limit=-1')).body.data.length).toBe(count);
	}, 400_000);
});

describe('usage source names', () => {
	let directus: DirectusInstance;

	beforeAll(async () => {
		directus = await shared();
		await createCollection(directus, 'notes', { title: 'string', body: 'text' });
		const index = await directus.request('POST', '/items/ml_indexes', { body: { name: 'notes', label: 'Notes', collection: 'notes', title_field: 'title', content_fields: ['body'] } });
		expect(index.status, index.text).toBe(200);
		for (const body of ['Night trains cross Europe while passengers sleep in berths.', 'Sourdough needs long fermentation and strong gluten.']) {
			expect((await directus.request('POST', '/items/notes', { body: { title: body.slice(0, 12), body } })).status).toBe(200);
		}
		await eventually(async () => (await directus.request('GET', '/ml/indexes/notes/coverage')).body.data?.documents.indexed === 2, 30_000, 'notes indexed');
	}, 400_000);

	async function usageSince(id: number): Promise<{ id: number; source: string; source_type: string; user: string | null }[]> {
		return (await directus.request('GET', `/items/ml_usage?filter[id][_gt]=${id}&fields=id,source,source_type,user&limit=-1&sort=id`)).body.data;
	}
	async function lastUsageId(): Promise<number> {
		const rows = (await directus.request('GET', '/items/ml_usage?fields=id&sort=-id&limit=1')).body.data as { id: number }[];
		return rows[0]?.id ?? 0;
	}

	it('names routes `route:<METHOD> /ml<path>`, one name per route', async () => {
		const before = await lastUsageId();
		expect((await directus.request('POST', '/ml/search', { body: { query: 'sleeping on trains', indexes: ['notes'] } })).status).toBe(200);
		expect((await directus.request('POST', '/ml/search/hybrid', { body: { query: 'bread dough', indexes: ['notes'] } })).status).toBe(200);
		expect((await directus.request('POST', '/ml/ask', { body: { question: 'How do people sleep on night trains?', indexes: ['notes'] } })).status).toBe(200);
		expect((await directus.request('POST', '/ml/embeddings/generate', { body: { text: 'hello' } })).status).toBe(200);
		const rows = await eventually(async () => {
			const r = await usageSince(before);
			return r.length >= 4 ? r : null;
		}, 10_000, 'usage rows');
		const sources = new Set(rows.map((r) => r.source));
		expect([...sources]).toEqual(expect.arrayContaining(['route:POST /ml/search', 'route:POST /ml/search/hybrid', 'route:POST /ml/ask', 'route:POST /ml/embeddings/generate']));
		// Every call these requests made (they carry the admin as user; background jobs have none).
		for (const row of rows.filter((r) => r.user !== null)) {
			expect(row.source).toMatch(SOURCE);
			expect(row.source_type).toBe('route');
		}
	});

	it('labels retrieval inside a Flow as the flow, not as a route', async () => {
		const flow = await directus.request('POST', '/flows', { body: { name: 'ask notes', status: 'active', trigger: 'webhook', accountability: 'all', options: { method: 'GET' } } });
		expect(flow.status, flow.text).toBe(200);
		const operation = await directus.request('POST', '/operations', {
			body: { flow: flow.body.data.id, key: 'ask', name: 'Ask', type: 'ml-ask', position_x: 19, position_y: 1, options: { question: 'What does sourdough need?', indexes: 'notes' } },
		});
		expect(operation.status, operation.text).toBe(200);
		expect((await directus.request('PATCH', `/flows/${flow.body.data.id}`, { body: { operation: operation.body.data.id } })).status).toBe(200);
		const before = await lastUsageId();
		const run = await directus.request('GET', `/flows/trigger/${flow.body.data.id}`);
		expect(run.status, run.text).toBe(200);
		const rows = await eventually(async () => {
			const r = await usageSince(before);
			return r.length >= 1 ? r : null;
		}, 10_000, 'flow usage rows');
		for (const row of rows) expect(row).toMatchObject({ source: 'flow:ml-ask', source_type: 'flow' });
	});

	it('keeps internal tables (vectors, caches, queue history) out of Directus collections and pickers', async () => {
		const names = ((await directus.request('GET', '/collections?limit=-1')).body.data as { collection: string }[]).map((c) => c.collection);
		expect(names).toContain('notes');
		for (const internal of ['ml_vectors', 'ml_vector_namespaces', 'ml_embedding_cache', 'ml_locks', 'ml_queue_jobs', 'ml_queue_dead_letters', 'ml_queue_throughput', 'ml_queue_state']) {
			expect(names, internal).not.toContain(internal);
		}
		const fields = ((await directus.request('GET', '/fields')).body.data as { collection: string }[]).map((f) => f.collection);
		expect(fields.filter((c) => c.startsWith('ml_vector') || c.startsWith('ml_queue_') || c === 'ml_embedding_cache')).toEqual([]);
	});

	it('names queue work `job:<name>`', async () => {
		const before = await lastUsageId();
		expect((await directus.request('POST', '/items/notes', { body: { title: 'Heat pumps', body: 'A heat pump moves heat with a refrigerant cycle.' } })).status).toBe(200);
		const rows = await eventually(async () => {
			const r = await usageSince(before);
			return r.length >= 1 ? r : null;
		}, 20_000, 'job usage rows');
		expect(rows.map((r) => r.source)).toContain('job:index-items');
		for (const row of rows) expect(row.source_type).toBe('job');
	});
});

describe('one default model per task', () => {
	let directus: DirectusInstance;

	beforeAll(async () => {
		directus = await shared();
	}, 400_000);

	async function defaults(task: string): Promise<string[]> {
		const rows = (await directus.request('GET', `/items/ml_models?filter[task][_eq]=${task}&filter[is_default][_eq]=true&fields=name`)).body.data as { name: string }[];
		return rows.map((r) => r.name).sort();
	}
	const chat = (name: string, extra: Record<string, unknown> = {}) => ({
		name,
		task: 'chat',
		provider: 'openai-compatible',
		model_id: name,
		base_url: 'http://127.0.0.1:9/v1',
		status: 'active',
		...extra,
	});

	it('creating a new default unsets the previous one', async () => {
		expect((await directus.request('POST', '/items/ml_models', { body: chat('chat-a', { is_default: true }) })).status).toBe(200);
		expect(await defaults('chat')).toEqual(['chat-a']);
		expect((await directus.request('POST', '/items/ml_models', { body: chat('chat-b', { is_default: true }) })).status).toBe(200);
		expect(await eventually(async () => ((await defaults('chat')).length === 1 ? defaults('chat') : null))).toEqual(['chat-b']);
	});

	it('marking an existing model as default unsets the previous one, and leaves other tasks alone', async () => {
		const a = (await directus.request('GET', '/items/ml_models?filter[name][_eq]=chat-a')).body.data[0];
		const embeddingDefaults = await defaults('embedding');
		expect(embeddingDefaults).toHaveLength(1);
		expect((await directus.request('PATCH', `/items/ml_models/${a.id}`, { body: { is_default: true } })).status).toBe(200);
		expect(await eventually(async () => ((await defaults('chat')).length === 1 ? defaults('chat') : null))).toEqual(['chat-a']);
		expect(await defaults('embedding')).toEqual(embeddingDefaults);
	});

	it('moving a default model to another task unsets that task’s previous default', async () => {
		const b = (await directus.request('POST', '/items/ml_models', { body: chat('chat-c', { task: 'transcription', is_default: true }) })).body.data;
		expect(await defaults('transcription')).toEqual(['chat-c']);
		const a = (await directus.request('GET', '/items/ml_models?filter[name][_eq]=chat-a')).body.data[0];
		expect((await directus.request('PATCH', `/items/ml_models/${a.id}`, { body: { task: 'transcription' } })).status).toBe(200);
		expect(await eventually(async () => ((await defaults('transcription')).length === 1 ? defaults('transcription') : null))).toEqual(['chat-a']);
		expect(b.id).toBeDefined();
	});
});

describe('inline queue history across a restart', () => {
	let directus: DirectusInstance;
	const env = { ML_QUEUE: 'inline', ML_PROVIDER_MAX_RETRIES: '0', ML_PROVIDER_TIMEOUT_MS: '2000', ML_RECONCILE_INTERVAL_SECONDS: '0' };

	afterAll(async () => {
		await directus?.stop();
	}, 120_000);

	it('keeps jobs, failures and dead letters, and job ids continue', async () => {
		const { file } = await freshSqliteFile('inline-history');
		directus = await startDirectus({ sqliteFile: file, env });
		await createCollection(directus, 'memos', { title: 'string', body: 'text' });
		// An index whose embedding server is down: its jobs fail every attempt and end as dead letters.
		const model = await directus.request('POST', '/items/ml_models', {
			body: { name: 'down', task: 'embedding', provider: 'openai-compatible', model_id: 'nomic-embed-text', base_url: 'http://127.0.0.1:9/v1', dimensions: 8, status: 'active' },
		});
		expect(model.status, model.text).toBe(200);
		const index = await directus.request('POST', '/items/ml_indexes', {
			body: { name: 'memos', collection: 'memos', title_field: 'title', content_fields: ['body'], embedding_model: model.body.data.id },
		});
		expect(index.status, index.text).toBe(200);
		expect((await directus.request('POST', '/items/memos', { body: { title: 'a', body: 'text that cannot be embedded today' } })).status).toBe(200);
		const done = await directus.request('POST', '/ml/jobs', { body: { name: 'reconcile', data: { olderThanSeconds: 3600 } } });
		expect(done.status, done.text).toBe(201);
		const dead = await eventually(async () => {
			const r = (await directus.request('GET', '/ml/dead-letter')).body.data;
			return r.total > 0 ? r : null;
		}, 90_000, 'the failing job to reach the dead letters');
		const completed = await eventually(async () => {
			const r = (await directus.request('GET', '/ml/queues/maintenance/jobs?state=completed')).body.data;
			return r.total > 0 ? r : null;
		}, 20_000, 'the reconcile job to complete');
		const failed = (await directus.request('GET', '/ml/queues/indexing/jobs?state=failed')).body.data;
		expect(failed.total).toBeGreaterThan(0);
		const throughput = (await directus.request('GET', '/ml/queues/throughput?queue=indexing&minutes=60')).body.data;
		const lastId = Math.max(...[...completed.jobs, ...failed.jobs].map((j: { id: string }) => Number(j.id)));

		await directus.stop();
		directus = await startDirectus({ sqliteFile: file, env });

		const deadAfter = (await directus.request('GET', '/ml/dead-letter')).body.data;
		expect(deadAfter.entries.map((e: { id: string; jobId: string; error: string }) => [e.id, e.jobId, e.error])).toEqual(
			expect.arrayContaining(dead.entries.map((e: { id: string; jobId: string; error: string }) => [e.id, e.jobId, e.error])),
		);
		const failedAfter = (await directus.request('GET', '/ml/queues/indexing/jobs?state=failed')).body.data;
		expect(failedAfter.jobs.map((j: { id: string }) => j.id)).toEqual(expect.arrayContaining(failed.jobs.map((j: { id: string }) => j.id)));
		const job = (await directus.request('GET', `/ml/queues/maintenance/jobs/${completed.jobs[0].id}`)).body.data;
		expect(job).toMatchObject({ id: completed.jobs[0].id, name: 'reconcile', state: 'completed' });
		const throughputAfter = (await directus.request('GET', '/ml/queues/throughput?queue=indexing&minutes=60')).body.data;
		const total = (t: { points: { failed: number }[] }[]) => t[0]!.points.reduce((sum, p) => sum + p.failed, 0);
		expect(total(throughputAfter)).toBeGreaterThanOrEqual(total(throughput));

		const next = await directus.request('POST', '/ml/jobs', { body: { name: 'reconcile', data: {} } });
		expect(Number(next.body.data.id), 'job ids continue after a restart').toBeGreaterThan(lastId);
	}, 600_000);
});

describe('buffers written when Directus stops', () => {
	let directus: DirectusInstance | undefined;
	afterAll(async () => {
		await directus?.stop();
	}, 120_000);

	it('writes the usage of a call made just before a graceful stop (Directus closes its database before its server.stop event)', async () => {
		const { file } = await freshSqliteFile('stop-flush');
		// A flush interval far beyond the stop: only the shutdown flush can write the row.
		const env = { ML_QUEUE: 'inline', ML_USAGE_FLUSH_MS: '60000', ML_RECONCILE_INTERVAL_SECONDS: '0' };
		directus = await startDirectus({ sqliteFile: file, env });
		const text = `written at shutdown ${Date.now()}`;
		const res = await directus.request('POST', '/ml/embeddings/generate', { body: { text } });
		expect(res.status, res.text).toBe(200);
		await directus.stop();
		directus = await startDirectus({ sqliteFile: file, env });
		const rows = (await directus.request('GET', '/items/ml_usage?filter[source][_eq]=route:POST%20/ml/embeddings/generate&fields=id,source,input_tokens&limit=-1')).body.data as unknown[];
		expect(rows.length, 'usage rows of the call before the stop').toBeGreaterThan(0);
	}, 600_000);
});

describe("Directus 12's Settings → AI", () => {
	let directus: DirectusInstance;
	let fake: FakeOpenAIServer;
	const KEY = 'sk-directus-settings-9f3a';

	beforeAll(async () => {
		fake = await startFakeOpenAIServer({ apiKey: KEY, reply: () => 'Sourdough needs a long fermentation [1].' });
		directus = await shared();
	}, 400_000);
	afterAll(async () => {
		await fake?.close();
	}, 120_000);

	// Directus 12 without a license (Core) refuses the OpenAI-compatible settings (`custom_llms_enabled`
	// is RESOURCE_RESTRICTED), so this uses the OpenAI key; no call is made (no network here).
	it('offers the models configured there, links their key by name, and never shows the key', async () => {
		const saved = await directus.request('PATCH', '/settings', { body: { ai_openai_api_key: KEY, ai_openai_allowed_models: ['gpt-lab-mini'] } });
		expect(saved.status, saved.text).toBe(200);
		const row = await eventually(async () => {
			const rows = (await directus.request('GET', '/items/ml_models?filter[model_id][_eq]=gpt-lab-mini')).body.data;
			return rows[0] ?? null;
		}, 10_000, 'the offered model');
		expect(row).toMatchObject({ task: 'chat', provider: 'openai', api_key_env: 'directus:ai_openai_api_key', is_default: false });
		const health = await directus.request('GET', '/ml/health');
		expect(JSON.stringify(health.body)).toContain('gpt-lab-mini');
		for (const text of [health.text, (await directus.request('GET', '/items/ml_models')).text, (await directus.request('GET', '/ml/openapi.json')).text]) {
			expect(text).not.toContain(KEY);
		}
		expect(directus.logs()).not.toContain(KEY);
		expect(fake.requests).toHaveLength(0);
	});
});
