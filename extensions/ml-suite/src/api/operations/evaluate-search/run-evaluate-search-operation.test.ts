import type { Accountability } from '@directus/types';
import { describe, expect, it } from 'vitest';
import type { EvalRunRecord } from '../../../core/evaluation/eval-records.js';
import type { EvalRunRequest } from '../../../core/evaluation/evaluation-service.js';
import { ForbiddenError, InvalidPayloadError } from '../../../core/errors.js';
import { runEvaluateSearchOperation } from './run-evaluate-search-operation.js';

const admin: Accountability = { user: 'admin-1', role: null, roles: [], admin: true, app: true, ip: null };
const editor: Accountability = { user: 'u2', role: 'editor', roles: ['editor'], admin: false, app: true, ip: null };

function run(overrides: Partial<EvalRunRecord> = {}): EvalRunRecord {
	return {
		id: '11111111-1111-4111-8111-111111111111',
		status: 'queued',
		setId: 's',
		setName: 'demo-articles',
		setHash: 'h',
		indexName: 'articles',
		collection: 'articles',
		modelId: null,
		modelKey: 'local:local-hash-384:384',
		modelLabel: 'Local',
		candidateModel: false,
		mode: 'hybrid',
		reranker: null,
		searchOptions: {},
		k: 100,
		queryCount: 36,
		progress: 0,
		metrics: null,
		perQuery: null,
		timings: null,
		details: {},
		error: null,
		jobId: 'j1',
		source: 'flow',
		user: null,
		dateCreated: '2026-01-01T00:00:00.000Z',
		dateStarted: null,
		dateFinished: null,
		...overrides,
	};
}

/** Answers `run()` with the given states in turn (the last one repeats). */
function evaluation(states: Partial<EvalRunRecord>[]) {
	const requests: { input: EvalRunRequest; who: unknown }[] = [];
	let polls = 0;
	return {
		requests,
		get polls() {
			return polls;
		},
		createRun: async (input: EvalRunRequest, who: unknown) => (requests.push({ input, who }), run()),
		run: async () => run(states[Math.min(polls++, states.length - 1)]),
	};
}

describe('runEvaluateSearchOperation', () => {
	it('starts a run with the options (defaults filled in) and waits for its metrics', async () => {
		const metrics = { ndcg10: 0.61, recall: 0.97, mrr: 0.58, queries: 36, queriesWithHit: 35 };
		const fake = evaluation([{ status: 'running' }, { status: 'completed', metrics }]);
		const result = await runEvaluateSearchOperation({ set: 'demo-articles', mode: '', limit: '', model: '' }, { evaluation: fake, accountability: admin, pollMs: 1 });
		expect(fake.requests[0]).toEqual({
			input: { set: 'demo-articles', index: undefined, model: null, mode: 'hybrid', limit: 100, reranker: null, options: {} },
			who: { user: 'admin-1', source: 'flow' },
		});
		expect(result).toMatchObject({ status: 'completed', metrics, timedOut: false, set: 'demo-articles', index: 'articles', link: '/admin/ml-evaluation?run=11111111-1111-4111-8111-111111111111' });
	});

	it('returns at once when told not to wait, and runs for flows with full access (no accountability)', async () => {
		const fake = evaluation([{ status: 'running' }]);
		const result = await runEvaluateSearchOperation({ set: 'demo-articles', wait: 'false', mode: 'semantic', limit: '20' }, { evaluation: fake, accountability: null });
		expect(result).toMatchObject({ status: 'queued', metrics: null });
		expect(fake.requests[0]?.input).toMatchObject({ mode: 'semantic', limit: 20 });
		expect(fake.requests[0]?.who).toEqual({ user: null, source: 'flow' });
		expect(fake.polls).toBe(0);
	});

	it('takes the reject path when the run fails, and reports a timeout without failing', async () => {
		await expect(
			runEvaluateSearchOperation({ set: 's' }, { evaluation: evaluation([{ status: 'failed', error: 'Query "q1" failed: upstream 503' }]), accountability: admin, pollMs: 1 }),
		).rejects.toThrow(/failed: Query "q1" failed: upstream 503/);
		const slow = await runEvaluateSearchOperation({ set: 's', timeoutSeconds: 1 }, { evaluation: evaluation([{ status: 'running', progress: 40 }]), accountability: admin, pollMs: 200 });
		expect(slow).toMatchObject({ status: 'running', timedOut: true });
	});

	it('refuses callers who are not administrators, and bad options', async () => {
		const fake = evaluation([{}]);
		await expect(runEvaluateSearchOperation({ set: 's' }, { evaluation: fake, accountability: editor })).rejects.toBeInstanceOf(ForbiddenError);
		await expect(runEvaluateSearchOperation({ set: '' }, { evaluation: fake, accountability: admin })).rejects.toThrow(/"set": is required/);
		await expect(runEvaluateSearchOperation({ set: 's', limit: 5 }, { evaluation: fake, accountability: admin })).rejects.toThrow(/"limit"/);
		await expect(runEvaluateSearchOperation({ set: 's', mode: 'fuzzy' }, { evaluation: fake, accountability: admin })).rejects.toBeInstanceOf(InvalidPayloadError);
		expect(fake.requests).toEqual([]);
	});
});
