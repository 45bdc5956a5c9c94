import { describe, expect, it } from 'vitest';
import { coverageOf, formatDelta, formatDuration, formatMetric, runLabel, shortModel, significance } from './eval-format.js';

describe('evaluation view formatting', () => {
	it('formats metrics, deltas and durations', () => {
		expect(formatMetric(0.61234)).toBe('0.612');
		expect(formatMetric(null)).toBe('–');
		expect(formatDelta(0.0421)).toBe('+0.042');
		expect(formatDelta(-0.01)).toBe('−0.010');
		expect(formatDelta(0.0001)).toBe('±0.000');
		expect([formatDuration(8.24), formatDuration(340.4), formatDuration(12_500), formatDuration(200_000), formatDuration(null)]).toEqual(['8.2 ms', '340 ms', '12.5 s', '3 min 20 s', '–']);
	});

	it('reads a paired test as better, worse or not significant', () => {
		const base = { wins: 10, losses: 2, ties: 3, queries: 15 };
		expect(significance({ ...base, meanDifference: 0.08, pValue: 0.004 })).toEqual({ label: 'better (p = 0.004)', kind: 'better' });
		expect(significance({ ...base, meanDifference: -0.08, pValue: 0.0001 })).toEqual({ label: 'worse (p < 0.001)', kind: 'worse' });
		expect(significance({ ...base, meanDifference: 0.02, pValue: 0.31 })).toEqual({ label: 'not significant (p = 0.310)', kind: 'same' });
	});

	it('labels runs and reads coverage', () => {
		expect(shortModel('Local hash (local/local-hash-384, 384d)')).toBe('Local hash');
		expect(runLabel({ indexName: 'articles', mode: 'hybrid', reranker: null, modelLabel: 'Nomic (openai-compatible/nomic-embed-text, 768d)', k: 100 })).toBe('articles · hybrid · Nomic · k=100');
		expect(coverageOf({ details: { coverage: { indexed: 30, items: 36 } } })).toEqual({ indexed: 30, items: 36 });
		expect(coverageOf({ details: { coverage: { indexed: 30, items: null } } })).toBeNull();
		expect(coverageOf({ details: {} })).toBeNull();
	});
});
