import { endianness } from 'node:os';
import type { Knex } from 'knex';
import type { CacheEntry, EmbeddingCache } from './embedding-cache.js';
import { KeyFilter } from './key-filter.js';

export interface KnexEmbeddingCacheOptions {
	/** Database for the cache table (the Directus database). */
	knex: Knex;
	/** Table name. Default: `ml_embedding_cache`. */
	table?: string;
	/** Create the table on first use when it is missing. Default: true. */
	createTable?: boolean;
	/**
	 * Keep a filter of the keys in the table (read once, in the background, from first use on; then
	 * every key this instance writes), and look up only keys it may hold: a text never cached costs
	 * no query. A row another process writes after the read is not seen, which only costs a new
	 * embedding of that text (the insert then keeps the existing row). Lookups query as before
	 * until the read is done. Default: true.
	 */
	keyFilter?: boolean;
	/** Rows read per query while filling the key filter. Default: 5000. */
	keyFilterPageSize?: number;
	/** Keys the filter is sized for at least (it is sized for twice the table's rows; read again, larger, when full). Default: 100000. */
	keyFilterMinKeys?: number;
}

/** Hashes per `IN (...)` query, and rows per INSERT (6 columns each, under SQLite's 999 parameters). */
const HASHES_PER_QUERY = 500;
const ROWS_PER_INSERT = 100;
/** A table with more rows than this gets no key filter (sized for twice the rows, its bits would exceed 16 MB); lookups query. */
const MAX_FILTERED_KEYS = 4_000_000;

/**
 * Embedding cache in a database table shared by every process (Directus instances and
 * workers), so the same text is embedded once per model across restarts. Works on SQLite and
 * PostgreSQL. Vectors are stored as little-endian Float32 bytes.
 */
export class KnexEmbeddingCache implements EmbeddingCache {
	private readonly knex: Knex;
	private readonly table: string;
	private ready: Promise<void> | undefined;
	/** The keys of the table when it was read plus those written since; null until read. */
	private filter: KeyFilter | null = null;
	/** While the table's keys are read into a new filter: keys written meanwhile, added to it when done. */
	private writtenWhileFilling: [model: string, hash: string][] | null = null;
	private filterStarted = false;

	constructor(private readonly options: KnexEmbeddingCacheOptions) {
		this.knex = options.knex;
		this.table = options.table ?? 'ml_embedding_cache';
	}

	/** Resolves when the key filter has been read from the table (at once when it is off or failed). */
	keyFilterReady: Promise<void> = Promise.resolve();

	/** Creates the table if missing (once per instance; safe when several processes race). */
	ensureTable(): Promise<void> {
		this.ready ??= ensureEmbeddingCacheTable(this.knex, this.table).catch((error: unknown) => {
			this.ready = undefined;
			throw error;
		});
		return this.ready;
	}

	/** The table exists (created when allowed); the key filter's first read starts in the background. */
	private async start(): Promise<void> {
		if (this.options.createTable !== false) await this.ensureTable();
		if (!this.filterStarted && this.options.keyFilter !== false) {
			this.filterStarted = true;
			this.keyFilterReady = this.fillKeyFilter();
		}
	}

	/**
	 * Reads every key of the table into a new filter, page by page (the event loop keeps serving
	 * between pages), sized for twice the rows; keys written meanwhile go into it too. It replaces
	 * the current filter when complete. Never rejects: a failed read leaves lookups as they were.
	 */
	private async fillKeyFilter(): Promise<void> {
		if (this.writtenWhileFilling) return;
		const written: [string, string][] = [];
		this.writtenWhileFilling = written;
		try {
			const counted = (await this.knex(this.table).count({ rows: '*' })) as { rows: number | string }[];
			const existing = Number(counted[0]?.rows ?? 0);
			if (existing > MAX_FILTERED_KEYS) {
				this.filter = null;
				return;
			}
			const filling = new KeyFilter(Math.max(2 * existing, this.filter ? 2 * this.filter.count : 0, this.options.keyFilterMinKeys ?? 100_000));
			const pageSize = Math.max(1, this.options.keyFilterPageSize ?? 5000);
			let after = 0;
			for (;;) {
				const page = (await this.knex(this.table).select('id', 'model', 'content_hash').where('id', '>', after).orderBy('id').limit(pageSize)) as { id: number; model: string; content_hash: string }[];
				for (const row of page) filling.add(row.model, row.content_hash);
				if (page.length < pageSize) break;
				after = Number(page[page.length - 1]!.id);
			}
			for (const [model, hash] of written) filling.add(model, hash);
			this.filter = filling;
		} catch {
			// Lookups keep querying (an existing filter stays); the next full filter tries again.
		} finally {
			this.writtenWhileFilling = null;
		}
	}

	async getMany(model: string, hashes: readonly string[]): Promise<Map<string, number[]>> {
		const found = new Map<string, number[]>();
		if (hashes.length === 0) return found;
		await this.start();
		const filter = this.filter;
		const candidates = filter ? hashes.filter((h) => filter.mayContain(model, h)) : hashes;
		for (let i = 0; i < candidates.length; i += HASHES_PER_QUERY) {
			const chunk = candidates.slice(i, i + HASHES_PER_QUERY);
			// Runs for every text not in the memory cache (each new text of a request): one raw
			// statement instead of knex's query compiler (≈ 0.05 of ≈ 0.11 ms CPU per lookup).
			const result: unknown = await this.knex.raw(`select content_hash, dimensions, vector from ?? where model = ? and content_hash in (${placeholders(chunk.length)})`, [this.table, model, ...chunk]);
			for (const row of rowsOf<{ content_hash: string; dimensions: number; vector: Uint8Array }>(result)) {
				const vector = decodeVector(row.vector);
				// Bytes that do not match the stored dimensions (a truncated write) count as a miss.
				if (vector.length === Number(row.dimensions)) found.set(row.content_hash, vector);
			}
		}
		return found;
	}

	async setMany(model: string, entries: readonly CacheEntry[]): Promise<void> {
		if (entries.length === 0) return;
		await this.start();
		// Into the filter before the rows exist: a lookup meanwhile queries (and misses, as before).
		for (const { hash } of entries) {
			this.filter?.add(model, hash);
			this.writtenWhileFilling?.push([model, hash]);
		}
		if (this.filter?.full && !this.writtenWhileFilling) this.keyFilterReady = this.fillKeyFilter();
		const rows = entries.map(({ hash, vector }) => ({
			model,
			content_hash: hash,
			dimensions: vector.length,
			vector: shortInLogs(encodeVector(vector)),
			date_created: new Date(),
		}));
		for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
			await this.knex(this.table).insert(rows.slice(i, i + ROWS_PER_INSERT)).onConflict(['model', 'content_hash']).ignore();
		}
	}
}

const PLACEHOLDERS: string[] = [];
/** `?, ?, …` for `count` values (cached: the lookup of one new text runs per request). */
function placeholders(count: number): string {
	return (PLACEHOLDERS[count] ??= Array.from({ length: count }, () => '?').join(', '));
}

/** Rows of a `knex.raw` select: an array (SQLite), `{ rows }` (PostgreSQL) or `[rows, fields]` (MySQL). */
function rowsOf<T>(result: unknown): T[] {
	if (Array.isArray(result)) return (Array.isArray(result[0]) ? result[0] : result) as T[];
	return ((result as { rows?: T[] } | null)?.rows ?? []) as T[];
}

/** Creates the cache table when missing (a plain table, not a Directus collection). Safe when processes race. */
export async function ensureEmbeddingCacheTable(knex: Knex, table = 'ml_embedding_cache'): Promise<void> {
	if (await knex.schema.hasTable(table)) return;
	try {
		await knex.schema.createTable(table, (t) => {
			t.increments('id');
			t.string('model', 255).notNullable();
			t.string('content_hash', 64).notNullable();
			t.integer('dimensions').notNullable();
			t.binary('vector').notNullable();
			t.timestamp('date_created').notNullable().defaultTo(knex.fn.now());
			t.unique(['model', 'content_hash']);
		});
	} catch (error) {
		// Another process may have created it between the check and the create.
		if (!(await knex.schema.hasTable(table))) throw error;
	}
}

/**
 * The bytes, with a short text when joined into a string. Directus logs every query at trace
 * level with its bindings joined into one string, and builds that string whether or not trace is
 * on (`@directus/api` database/index.js, its "query-response" listener): each 6 KB vector was
 * decoded as UTF-8 for it — 13.6% of the CPU of a 32-text `/ml/embeddings/batch` call. Drivers
 * bind the bytes themselves; `toString` with an encoding (hex, base64) is unchanged.
 */
export function shortInLogs(bytes: Buffer): Buffer {
	const toString = bytes.toString.bind(bytes);
	Object.defineProperty(bytes, 'toString', { value: (...args: Parameters<Buffer['toString']>) => (args.length === 0 ? `<${bytes.byteLength} bytes>` : toString(...args)) });
	return bytes;
}

const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * A Float32Array copy of the numbers, filled with `set` (an array-like copy). Not
 * `new Float32Array(array)` or `Float32Array.from`: those iterate the array, and once anything in
 * the process has replaced an array-iterator method (V8's "array iterator protector"; it is so in
 * the Directus process) that is the slow generic path — ≈ 70–90 µs instead of ≈ 3–6 µs per 1,536
 * numbers, ≈ a quarter of a 32-text /ml/embeddings/batch call's CPU in the profile.
 */
export function toFloat32Array(vector: ArrayLike<number>): Float32Array {
	const floats = new Float32Array(vector.length);
	floats.set(vector);
	return floats;
}

/**
 * Float32 little-endian bytes, independent of the host's byte order. On little-endian hosts
 * (all Node targets in practice) the bytes are one typed-array copy, not a write per number:
 * this runs for every vector the cache stores, every vector answered as base64, and (decoding)
 * every vector an OpenAI-format upstream answers. A `Float32Array` is not copied there: the
 * bytes are a view of it.
 */
export function encodeVector(vector: readonly number[] | Float32Array): Buffer {
	if (LITTLE_ENDIAN) {
		const floats = vector instanceof Float32Array ? vector : toFloat32Array(vector);
		return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
	}
	const buffer = Buffer.allocUnsafe(vector.length * 4);
	for (let i = 0; i < vector.length; i++) buffer.writeFloatLE(vector[i]!, i * 4);
	return buffer;
}

export function decodeVector(bytes: Uint8Array): number[] {
	const length = Math.floor(bytes.byteLength / 4);
	if (LITTLE_ENDIAN) {
		// A Float32Array view needs a 4-byte aligned offset; driver and base64 buffers may not have one.
		let aligned = bytes;
		if (bytes.byteOffset % 4 !== 0) {
			aligned = new Uint8Array(length * 4);
			aligned.set(bytes.subarray(0, length * 4));
		}
		const floats = new Float32Array(aligned.buffer, aligned.byteOffset, length);
		const out = new Array<number>(length);
		for (let i = 0; i < length; i++) out[i] = floats[i]!;
		return out;
	}
	const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const out = new Array<number>(length);
	for (let i = 0; i < length; i++) out[i] = buffer.readFloatLE(i * 4);
	return out;
}
