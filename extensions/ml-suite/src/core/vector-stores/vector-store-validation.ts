import { InvalidPayloadError, NotFoundError } from '../errors.js';
import type { MetadataFilter, VectorQuery, VectorRecord } from './types.js';

/**
 * Checks shared by every store, so callers get the same 400 whatever engine is configured.
 * Namespace names become table or collection names, so they are kept to a portable alphabet.
 */
const NAMESPACE_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$/;
/** Metadata keys become JSON paths (`metadata.key` in Qdrant, `metadata->key` in Postgres). */
const METADATA_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

export function assertNamespaceName(namespace: string): void {
	if (!NAMESPACE_PATTERN.test(namespace)) {
		throw new InvalidPayloadError(
			`Invalid vector namespace "${namespace}": use 1-200 characters from A-Z, a-z, 0-9, "_", "-", "." (not starting with "-" or ".").`,
			{ namespace },
		);
	}
}

export function assertDimensions(dimensions: number): void {
	if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 16_000) {
		throw new InvalidPayloadError(`Vector dimensions must be an integer from 1 to 16000, got ${dimensions}.`, { dimensions });
	}
}

/** Rejects a second `ensureNamespace` with other dimensions than the namespace was made with. */
export function assertSameDimensions(namespace: string, existing: number | undefined, dimensions: number): void {
	if (existing !== dimensions) {
		throw new InvalidPayloadError(`Vector namespace "${namespace}" exists with ${existing} dimensions, not ${dimensions}.`, { namespace, expected: existing, actual: dimensions });
	}
}

/** The error for an operation on a namespace that was never ensured (or was dropped). */
export function namespaceNotFound(namespace: string): NotFoundError {
	return new NotFoundError(`Vector namespace "${namespace}" does not exist; call ensureNamespace first.`, { namespace });
}

/** Rejects vectors of the wrong length, with non-finite values, or of zero length (no direction). */
export function assertVector(vector: readonly number[], dimensions: number, label: string): void {
	if (vector.length !== dimensions) {
		throw new InvalidPayloadError(`${label} has ${vector.length} dimensions; the namespace expects ${dimensions}.`, {
			expected: dimensions,
			actual: vector.length,
		});
	}
	let norm = 0;
	// An index loop, not for…of: once anything in the process has replaced an array-iterator
	// method (so in Directus, and under vitest), for…of takes V8's generic path and allocates per
	// element — ≈ 3 KB of garbage and a few µs per 384-dimension vector on every upsert.
	for (let i = 0; i < vector.length; i++) {
		const value = vector[i];
		if (!Number.isFinite(value)) throw new InvalidPayloadError(`${label} contains a non-finite value.`);
		norm += value! * value!;
	}
	if (norm === 0) throw new InvalidPayloadError(`${label} is a zero vector; cosine similarity is undefined for it.`);
}

export function assertRecords(records: readonly VectorRecord[], dimensions: number): void {
	for (const record of records) {
		if (typeof record.id !== 'string' || record.id === '') throw new InvalidPayloadError('Every vector record needs a non-empty id.');
		if (typeof record.itemKey !== 'string' || record.itemKey === '') {
			throw new InvalidPayloadError(`Vector record "${record.id}" needs a non-empty itemKey.`);
		}
		if (!Number.isInteger(record.chunkIndex) || record.chunkIndex < 0) {
			throw new InvalidPayloadError(`Vector record "${record.id}" needs a chunkIndex that is a non-negative integer.`);
		}
		assertVector(record.vector, dimensions, `Vector of record "${record.id}"`);
		assertMetadataKeys(Object.keys(record.metadata ?? {}));
	}
}

export function assertMetadataKeys(keys: readonly string[]): void {
	for (const key of keys) {
		if (!METADATA_KEY_PATTERN.test(key)) {
			throw new InvalidPayloadError(`Invalid metadata key "${key}": use letters, digits and "_" (not starting with a digit).`, { key });
		}
	}
}

export function assertQuery(query: VectorQuery, dimensions: number): void {
	assertVector(query.vector, dimensions, 'Query vector');
	if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 10_000) {
		throw new InvalidPayloadError(`Query limit must be an integer from 1 to 10000, got ${query.limit}.`, { limit: query.limit });
	}
	if (query.minScore !== undefined && !Number.isFinite(query.minScore)) {
		throw new InvalidPayloadError('Query minScore must be a finite number.');
	}
	if (query.filter) assertFilter(query.filter);
}

function assertFilter(filter: MetadataFilter): void {
	assertMetadataKeys(Object.keys(filter));
	for (const [key, condition] of Object.entries(filter)) {
		if (condition === null || typeof condition !== 'object' || Array.isArray(condition)) continue;
		const allowed = new Set(['ne', 'gt', 'gte', 'lt', 'lte']);
		for (const [op, value] of Object.entries(condition)) {
			if (!allowed.has(op)) throw new InvalidPayloadError(`Unknown operator "${op}" in the filter on "${key}".`, { key, op });
			if (op !== 'ne' && value !== undefined && !Number.isFinite(value)) {
				throw new InvalidPayloadError(`Operator "${op}" on "${key}" needs a finite number.`, { key, op });
			}
		}
	}
}
