import { setImmediate as nextTurn } from 'node:timers/promises';
import { InvalidPayloadError } from '../errors.js';
import { estimateTokens } from '../text/estimate-tokens.js';
import { LOCAL_EMBEDDER_STOP_WORDS } from '../text/stop-words.js';
import { foldText, forEachEmbedderWord } from '../text/tokenize.js';
import { combineHashes, fmix32, FNV_OFFSET, fnvStep, hashRange } from './hash32.js';
import type { EmbeddingModel, EmbeddingResult } from './types.js';

export interface LocalEmbeddingModelOptions {
	/** Model id reported in results and usage. Default: `local-hash-<dimensions>`. */
	modelId?: string;
	/** Vector dimensions, 8..8192. Default: 384. */
	dimensions?: number;
	/** Longest input accepted, in estimated tokens. Default: 8192. */
	maxInputTokens?: number;
	/** Inputs per call. Default: 256. */
	maxBatchSize?: number;
	/**
	 * Longest stretch, in milliseconds, that `embed` computes before it yields to the event loop
	 * (between two texts). Default: 10. A batch of 256 chunks is 70–150 ms of computing here; in
	 * one piece it stalls every request and every database round trip of the process (indexing
	 * writes of the previous page included) for that long. `Infinity`: one synchronous pass.
	 */
	sliceMs?: number;
	/** Shortest character n-gram. Default: 3. */
	minGram?: number;
	/** Longest character n-gram. Default: 5. */
	maxGram?: number;
}

const SEED_WORD = 0x1b873593;
const SEED_BIGRAM = 0x5bd1e995;
const SEED_CHAR = 0x27d4eb2d;
const SEED_SIGN = 0x165667b1;
const SEED_PROBE = 0x61c88647;

/** Share of the vector given to each feature family before the final normalisation. */
const WEIGHT_WORD = 1.0;
const WEIGHT_BIGRAM = 0.5;
const WEIGHT_CHAR = 1.0;
/** Function words carry little meaning; they are kept, at a fraction of the weight. */
const STOPWORD_FACTOR = 0.3;

/**
 * Offline, deterministic embedder by feature hashing (the "hashing trick"). Each text becomes
 * word unigrams, word bigrams and character n-grams (3–5 by default, taken inside word
 * boundaries with `<` `>` padding) of its case-folded, accent-stripped form. Features are
 * hashed to a bucket and a sign (signed hashing keeps collisions unbiased), weighted by
 * sublinear term frequency (1 + ln tf), balanced per family, and the vector is L2-normalised,
 * so the dot product is the cosine similarity.
 *
 * What it captures is lexical similarity: shared words, phrases and word pieces (so "index",
 * "indexing" and "indexed" are close, and typos still overlap). It has no notion of synonyms
 * or meaning ("car" and "automobile" are unrelated to it). It needs no weights or network and
 * is the benchmark baseline for the remote models.
 */
export class LocalEmbeddingModel implements EmbeddingModel {
	readonly provider = 'local';
	readonly modelId: string;
	readonly dimensions: number;
	readonly maxBatchSize: number;
	readonly maxInputTokens: number;
	private readonly minGram: number;
	private readonly maxGram: number;
	private readonly sliceMs: number;
	private readonly stopwordHashes: Set<number>;
	// Reused across calls: embedding is synchronous per text, so no two texts share them at once.
	private readonly words = new Map<number, number>();
	private readonly bigrams = new Map<number, number>();
	private readonly grams = new Map<number, number>();
	private readonly acc: Float64Array;
	/** Settles when the calls made so far are done: calls run one after another (see `embed`). */
	private tail: Promise<unknown> = Promise.resolve();
	/** Calls of at most this many texts do not queue behind the others (see `embed`). */
	static readonly IMMEDIATE_TEXTS = 8;

	constructor(options: LocalEmbeddingModelOptions = {}) {
		const dimensions = options.dimensions ?? 384;
		if (!Number.isInteger(dimensions) || dimensions < 8 || dimensions > 8192) {
			throw new InvalidPayloadError(`Local embedding dimensions must be an integer from 8 to 8192, got ${dimensions}.`, { field: 'dimensions' });
		}
		this.dimensions = dimensions;
		this.modelId = options.modelId ?? `local-hash-${dimensions}`;
		this.maxInputTokens = options.maxInputTokens ?? 8192;
		this.maxBatchSize = options.maxBatchSize ?? 256;
		this.minGram = Math.max(1, options.minGram ?? 3);
		this.maxGram = Math.max(this.minGram, options.maxGram ?? 5);
		this.sliceMs = Math.max(0, options.sliceMs ?? 10);
		this.stopwordHashes = new Set(LOCAL_EMBEDDER_STOP_WORDS.map((w) => hashRange(w, 0, w.length, SEED_WORD)));
		this.acc = new Float64Array(dimensions);
	}

	/**
	 * Embeds on this thread, yielding to the event loop every `sliceMs`. Calls made side by side
	 * (the embedding layer sends batches with bounded concurrency) run one after another: the
	 * computation is the same, but interleaved, every turn of the event loop would wait for one
	 * slice of each call in flight before a database reply or a request got its turn. A call of
	 * a few texts (a search query) takes less than a slice and runs at once.
	 */
	embed(texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<EmbeddingResult> {
		if (texts.length <= LocalEmbeddingModel.IMMEDIATE_TEXTS) return this.embedNow(texts, options);
		const run = this.tail.then(() => this.embedNow(texts, options));
		this.tail = run.catch(() => undefined);
		return run;
	}

	private async embedNow(texts: readonly string[], options: { signal?: AbortSignal }): Promise<EmbeddingResult> {
		const started = performance.now();
		const embeddings: number[][] = [];
		let inputTokens = 0;
		let sliceStarted = started;
		for (const text of texts) {
			options.signal?.throwIfAborted();
			embeddings.push(this.embedOne(text));
			inputTokens += estimateTokens(text);
			if (performance.now() - sliceStarted >= this.sliceMs) {
				// Timers, requests and database replies waiting meanwhile run now (setImmediate
				// comes after pending I/O callbacks); each text is still embedded in one piece.
				await nextTurn();
				sliceStarted = performance.now();
			}
		}
		return { embeddings, usage: { inputTokens, outputTokens: 0, latencyMs: performance.now() - started } };
	}

	/** Embeds one text synchronously. A text with no letters or digits is hashed as one word; whitespace-only text gives a fixed unit vector. */
	embedOne(text: string): number[] {
		const norm = foldText(text, 'accents');
		this.words.clear();
		this.bigrams.clear();
		this.grams.clear();
		let prev = -1;
		const words = forEachEmbedderWord(norm, (start, end) => {
			prev = this.addWord(norm, start, end, prev);
		});
		if (words === 0) {
			const trimmed = norm.trim();
			if (trimmed.length > 0) this.addWord(trimmed, 0, trimmed.length, -1);
		}

		const acc = this.acc;
		acc.fill(0);
		this.spread(this.words, WEIGHT_WORD, true, true);
		this.spread(this.bigrams, WEIGHT_BIGRAM, false, true);
		this.spread(this.grams, WEIGHT_CHAR, false, false);
		let sumSquares = 0;
		for (let d = 0; d < acc.length; d++) sumSquares += acc[d]! * acc[d]!;
		const out = new Array<number>(acc.length);
		if (sumSquares === 0) {
			out.fill(0);
			out[0] = 1;
			return out;
		}
		const scale = 1 / Math.sqrt(sumSquares);
		for (let d = 0; d < acc.length; d++) out[d] = acc[d]! * scale;
		return out;
	}

	/** Counts the word, its bigram with the previous word, and its character n-grams. Returns the word's hash. */
	private addWord(text: string, start: number, end: number, prev: number): number {
		const word = hashRange(text, start, end, SEED_WORD);
		increment(this.words, word);
		if (prev !== -1) increment(this.bigrams, combineHashes(prev, word, SEED_BIGRAM));
		// N-grams over the padded word "<word>", read in place: index 0 is '<', index len+1 is '>'.
		const len = end - start;
		const padded = len + 2;
		for (let from = 0; from + this.minGram <= padded; from++) {
			let h = FNV_OFFSET ^ SEED_CHAR;
			const last = Math.min(padded, from + this.maxGram);
			for (let k = from; k < last; k++) {
				const code = k === 0 ? 0x3c : k === len + 1 ? 0x3e : text.charCodeAt(start + k - 1);
				h = fnvStep(h, code);
				if (k - from + 1 >= this.minGram) increment(this.grams, fmix32(h));
			}
		}
		return word;
	}

	/**
	 * Adds a feature family to the accumulator, scaled so the family's own norm is `weight`.
	 * With `twoProbes`, each feature goes to two buckets at half the energy: short texts have
	 * few word features, and one bucket collision between two of them would otherwise move the
	 * cosine by a third.
	 */
	private spread(features: Map<number, number>, weight: number, stopwords: boolean, twoProbes: boolean): void {
		let sumSquares = 0;
		for (const [hash, tf] of features) {
			const w = termWeight(tf) * (stopwords && this.stopwordHashes.has(hash) ? STOPWORD_FACTOR : 1);
			sumSquares += w * w;
		}
		if (sumSquares === 0) return;
		const scale = (weight / Math.sqrt(sumSquares)) * (twoProbes ? Math.SQRT1_2 : 1);
		const dims = this.dimensions;
		const acc = this.acc;
		for (const [hash, tf] of features) {
			const w = termWeight(tf) * (stopwords && this.stopwordHashes.has(hash) ? STOPWORD_FACTOR : 1);
			const sign = fmix32(hash ^ SEED_SIGN) & 1 ? -1 : 1;
			const bucket = hash % dims;
			acc[bucket] = (acc[bucket] ?? 0) + sign * w * scale;
			if (twoProbes) {
				const second = fmix32(hash ^ SEED_PROBE);
				const bucket2 = second % dims;
				acc[bucket2] = (acc[bucket2] ?? 0) + (second >>> 31 ? -1 : 1) * w * scale;
			}
		}
	}
}

function increment(map: Map<number, number>, key: number): void {
	map.set(key, (map.get(key) ?? 0) + 1);
}

function termWeight(tf: number): number {
	return 1 + Math.log(tf);
}
