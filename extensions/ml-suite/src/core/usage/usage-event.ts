import { isMlError } from '../errors.js';
import type { CallOrigin, UsageEvent } from './types.js';

type CallFields = Pick<UsageEvent, 'capability' | 'provider' | 'model'> & Partial<Omit<UsageEvent, 'timestamp' | 'user' | 'sourceType'>>;

/**
 * The usage event of one provider call made for `origin`, stamped now. Fields not given are those
 * of a successful call with no tokens, cost or cache hit; `source`, `collection` and `item` default
 * to the origin's.
 */
export function callUsageEvent(origin: CallOrigin, call: CallFields): UsageEvent {
	return {
		timestamp: new Date(),
		user: origin.user,
		sourceType: origin.sourceType,
		source: origin.source,
		collection: origin.collection ?? null,
		item: origin.item ?? null,
		inputTokens: 0,
		outputTokens: 0,
		cost: 0,
		latencyMs: 0,
		status: 'success',
		errorCode: null,
		cacheHit: false,
		...call,
	};
}

/**
 * `status` and `errorCode` of a call that ended with `error` (`undefined`: it succeeded): the
 * suite's error code, or `INTERNAL_SERVER_ERROR` for anything else; a cancelled call has no code.
 */
export function callOutcome(error: unknown, cancelled = false): Pick<UsageEvent, 'status' | 'errorCode'> {
	if (error === undefined) return { status: 'success', errorCode: null };
	if (cancelled) return { status: 'cancelled', errorCode: null };
	return { status: 'error', errorCode: isMlError(error) ? error.code : 'INTERNAL_SERVER_ERROR' };
}
