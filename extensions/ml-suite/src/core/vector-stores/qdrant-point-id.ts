import { createHash } from 'node:crypto';

/** Fixed name-space UUID of the suite, so the same record always maps to the same point. */
const SUITE_UUID = Buffer.from('5b7e3f1c9a2d4e60b8f1c4d2a9e07f35', 'hex');

/**
 * Qdrant point ids must be unsigned integers or UUIDs, while our record ids are free strings.
 * A UUID v5-style id (SHA-1 of a fixed UUID + namespace + id, version and variant bits set)
 * is deterministic, so re-upserting a record replaces its point instead of adding one.
 */
export function qdrantPointId(namespace: string, recordId: string): string {
	const bytes = createHash('sha1').update(SUITE_UUID).update(namespace).update('\u0000').update(recordId).digest().subarray(0, 16);
	bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
	bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
	const hex = bytes.toString('hex');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
