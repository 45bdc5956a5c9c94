import { describe, expect, it } from 'vitest';
import { InvalidPayloadError } from '../errors.js';
import { callOutcome, callUsageEvent } from './usage-event.js';

const origin = { user: 'u1', sourceType: 'route' as const, source: 'route:POST /ml/ask', collection: 'articles', item: '7' };

describe('callUsageEvent', () => {
	it('takes who, where and what from the origin and defaults the rest to a successful free call', () => {
		const event = callUsageEvent(origin, { capability: 'chat', provider: 'openai', model: 'gpt', inputTokens: 12 });
		expect(event).toMatchObject({ user: 'u1', sourceType: 'route', source: 'route:POST /ml/ask', collection: 'articles', item: '7', capability: 'chat', inputTokens: 12, outputTokens: 0, cost: 0, status: 'success', errorCode: null, cacheHit: false });
		expect(Date.now() - event.timestamp.getTime()).toBeLessThan(60_000);
	});

	it('lets the call override the origin (source suffix, a file collection, no item)', () => {
		const event = callUsageEvent({ user: null, sourceType: 'job', source: 'job:enrich' }, { capability: 'transcription', provider: 'local', model: 'm', source: 'job:enrich (x)', collection: 'directus_files' });
		expect(event).toMatchObject({ user: null, source: 'job:enrich (x)', collection: 'directus_files', item: null });
	});
});

describe('callOutcome', () => {
	it('maps success, suite errors, foreign errors and cancellations', () => {
		expect(callOutcome(undefined)).toEqual({ status: 'success', errorCode: null });
		expect(callOutcome(new InvalidPayloadError('bad'))).toEqual({ status: 'error', errorCode: 'INVALID_PAYLOAD' });
		expect(callOutcome(new Error('boom'))).toEqual({ status: 'error', errorCode: 'INTERNAL_SERVER_ERROR' });
		expect(callOutcome(new Error('stopped'), true)).toEqual({ status: 'cancelled', errorCode: null });
	});
});
