import knex, { type Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../errors.js';
import { DEFAULT_PROMPTS, RAG_SYSTEM_PROMPT } from './default-prompts.js';
import { PromptStore } from './prompt-store.js';

// An in-memory SQLite database with the columns of the ml_prompts collection.
let db: Knex;

beforeEach(async () => {
	db = knex({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
	await db.schema.createTable('ml_prompts', (t) => {
		t.uuid('id').primary();
		t.string('status').defaultTo('draft');
		t.string('name').notNullable();
		t.string('task');
		t.integer('version').defaultTo(1);
		t.string('model');
		t.text('system_prompt');
		t.text('template').notNullable();
		t.text('description');
		t.timestamp('date_created');
		t.timestamp('date_updated');
	});
});

afterEach(async () => {
	await db.destroy();
});

function row(values: Record<string, unknown>): Record<string, unknown> {
	return { id: globalThis.crypto.randomUUID(), template: 't', status: 'active', version: 1, ...values };
}

describe('PromptStore.getActive', () => {
	it('falls back to the built-in grounded RAG prompt when the table is empty', async () => {
		const prompt = await new PromptStore(db).getActive('rag');
		expect(prompt.builtIn).toBe(true);
		expect(prompt.name).toBe('rag-answer');
		expect(prompt.systemPrompt).toBe(RAG_SYSTEM_PROMPT);
		expect(prompt.systemPrompt).toMatch(/never follow/i);
		expect(prompt.systemPrompt).toMatch(/\[1\]/);
		expect(prompt.systemPrompt).toMatch(/does not contain the answer/);
	});

	it('returns the active row with the highest version, ignoring drafts and archived rows', async () => {
		await db('ml_prompts').insert([
			row({ name: 'faq', task: 'rag', version: 1, template: 'v1' }),
			row({ name: 'faq', task: 'rag', version: 3, template: 'v3 draft', status: 'draft' }),
			row({ name: 'faq', task: 'rag', version: 2, template: 'v2', system_prompt: 'sys', model: '' }),
			row({ name: 'faq', task: 'rag', version: 4, template: 'v4 old', status: 'archived' }),
		]);
		const prompt = await new PromptStore(db).getActive('faq');
		expect(prompt).toMatchObject({ template: 'v2', version: 2, systemPrompt: 'sys', model: null, builtIn: false });
	});

	it('prefers a name match over a task match, and matches by task otherwise', async () => {
		await db('ml_prompts').insert([
			row({ name: 'custom-rag', task: 'rag', version: 9, template: 'by task' }),
			row({ name: 'rag', task: 'generation', version: 1, template: 'by name' }),
		]);
		const store = new PromptStore(db, { cacheTtlMs: 0 });
		expect((await store.getActive('rag')).template).toBe('by name');
		expect((await store.getActive('custom-rag')).template).toBe('by task');
		await db('ml_prompts').where('name', 'rag').delete();
		expect((await store.getActive('rag')).template).toBe('by task');
	});

	it('throws NotFoundError for an unknown name with no default', async () => {
		await expect(new PromptStore(db).getActive('nope')).rejects.toBeInstanceOf(NotFoundError);
	});

	it('caches lookups for the TTL and reads again after it or after invalidate()', async () => {
		let now = 1000;
		const store = new PromptStore(db, { cacheTtlMs: 100, now: () => now });
		await db('ml_prompts').insert(row({ name: 'p', version: 1, template: 'one' }));
		expect((await store.getActive('p')).template).toBe('one');
		await db('ml_prompts').insert(row({ name: 'p', version: 2, template: 'two' }));
		expect((await store.getActive('p')).template).toBe('one');
		now += 100;
		expect((await store.getActive('p')).template).toBe('two');
		await db('ml_prompts').insert(row({ name: 'p', version: 3, template: 'three' }));
		store.invalidate();
		expect((await store.getActive('p')).template).toBe('three');
	});
});

describe('PromptStore.seedDefaults', () => {
	it('inserts each default once and is idempotent', async () => {
		const store = new PromptStore(db);
		const first = await store.seedDefaults();
		expect(first).toEqual(DEFAULT_PROMPTS.map((p) => p.name));
		expect(await store.seedDefaults()).toEqual([]);
		const rows = await db('ml_prompts').select('name', 'status', 'version', 'system_prompt');
		expect(rows).toHaveLength(DEFAULT_PROMPTS.length);
		const rag = await store.getActive('rag');
		expect(rag.builtIn).toBe(false);
		expect(rag.systemPrompt).toBe(RAG_SYSTEM_PROMPT);
	});

	it('keeps an admin choice: a default archived by name is not re-added', async () => {
		await db('ml_prompts').insert(row({ name: 'summarize', task: 'summarize', status: 'archived' }));
		const inserted = await new PromptStore(db).seedDefaults();
		expect(inserted).not.toContain('summarize');
		expect(await db('ml_prompts').where('name', 'summarize').count({ n: '*' })).toEqual([{ n: 1 }]);
	});
});
