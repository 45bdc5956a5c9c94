import type { Knex } from 'knex';
import { MlError, NotFoundError } from '../errors.js';
import { DEFAULT_PROMPTS, type PromptRecord, type PromptStatus } from './default-prompts.js';

export interface PromptStoreOptions {
	/** Table holding the prompts. Default: `ml_prompts`. */
	table?: string;
	/** Built-in prompts used when no active row exists, and inserted by `seedDefaults`. Default: `DEFAULT_PROMPTS`. */
	defaults?: readonly PromptRecord[];
	/**
	 * How long a looked-up prompt is reused before the table is read again, in milliseconds.
	 * Keeps a database round trip off every request while edits still show up quickly.
	 * 0 disables caching. Default: 5000.
	 */
	cacheTtlMs?: number;
	/** Clock, for tests. Default: `Date.now`. */
	now?: () => number;
}

/** What the RAG and generation services need from a prompt store. */
export interface PromptSource {
	getActive(nameOrTask: string): Promise<PromptRecord>;
}

interface PromptRow {
	id: string;
	name: string;
	task: string | null;
	template: string;
	system_prompt: string | null;
	model: string | null;
	version: number | string | null;
	status: string;
	description: string | null;
}

/** Prompt templates in `ml_prompts`, falling back to built-in defaults. */
export class PromptStore implements PromptSource {
	readonly #db: Knex;
	readonly #table: string;
	readonly #defaults: readonly PromptRecord[];
	readonly #ttl: number;
	readonly #now: () => number;
	readonly #cache = new Map<string, { at: number; value: PromptRecord }>();

	constructor(db: Knex, options: PromptStoreOptions = {}) {
		this.#db = db;
		this.#table = options.table ?? 'ml_prompts';
		this.#defaults = options.defaults ?? DEFAULT_PROMPTS;
		this.#ttl = options.cacheTtlMs ?? 5000;
		this.#now = options.now ?? Date.now;
	}

	/**
	 * The active prompt with the highest version whose name is `nameOrTask`, or else whose task
	 * is `nameOrTask`; a built-in default (matched the same way) when the table has none.
	 * @throws NotFoundError when neither the table nor the defaults have one.
	 */
	async getActive(nameOrTask: string): Promise<PromptRecord> {
		const cached = this.#cache.get(nameOrTask);
		if (cached && this.#now() - cached.at < this.#ttl) return cached.value;

		const row = (await this.#latestActive('name', nameOrTask)) ?? (await this.#latestActive('task', nameOrTask));
		const value = row ? toRecord(row) : this.#defaultFor(nameOrTask);
		if (!value) {
			throw new NotFoundError(`No active prompt named "${nameOrTask}" or for the task "${nameOrTask}".`, { prompt: nameOrTask });
		}
		if (this.#ttl > 0) this.#cache.set(nameOrTask, { at: this.#now(), value });
		return value;
	}

	/**
	 * Inserts each default whose name has no row yet (whatever its status), so an admin who
	 * archived or edited a default keeps their choice. Safe to call on every start.
	 * @returns the names inserted.
	 */
	async seedDefaults(): Promise<string[]> {
		const inserted: string[] = [];
		try {
			await this.#db.transaction(async (trx) => {
				for (const prompt of this.#defaults) {
					const existing = await trx(this.#table).where('name', prompt.name).first('id');
					if (existing) continue;
					const stamp = new Date(this.#now()).toISOString();
					await trx(this.#table).insert({
						id: globalThis.crypto.randomUUID(),
						name: prompt.name,
						task: prompt.task,
						template: prompt.template,
						system_prompt: prompt.systemPrompt,
						model: prompt.model,
						version: prompt.version,
						status: prompt.status,
						description: prompt.description,
						date_created: stamp,
						date_updated: stamp,
					});
					inserted.push(prompt.name);
				}
			});
		} catch (error) {
			throw new MlError(`Could not seed the default prompts into ${this.#table}.`, { code: 'PROMPT_SEED_FAILED', status: 500, cause: error });
		}
		this.#cache.clear();
		return inserted;
	}

	/** Forgets cached lookups, e.g. after an `ml_prompts` item was saved. */
	invalidate(): void {
		this.#cache.clear();
	}

	async #latestActive(column: 'name' | 'task', value: string): Promise<PromptRow | undefined> {
		const rows = (await this.#db(this.#table)
			.select('id', 'name', 'task', 'template', 'system_prompt', 'model', 'version', 'status', 'description')
			.where(column, value)
			.andWhere('status', 'active')
			.orderBy('version', 'desc')
			.limit(1)) as PromptRow[];
		return rows[0];
	}

	#defaultFor(nameOrTask: string): PromptRecord | undefined {
		return this.#defaults.find((p) => p.name === nameOrTask) ?? this.#defaults.find((p) => p.task === nameOrTask);
	}
}

function toRecord(row: PromptRow): PromptRecord {
	return {
		id: String(row.id),
		name: row.name,
		task: row.task ?? 'generation',
		template: row.template,
		systemPrompt: emptyToNull(row.system_prompt),
		model: emptyToNull(row.model),
		version: Number(row.version ?? 1),
		status: row.status as PromptStatus,
		description: row.description,
		builtIn: false,
	};
}

function emptyToNull(value: string | null): string | null {
	return value === null || value.trim() === '' ? null : value;
}
