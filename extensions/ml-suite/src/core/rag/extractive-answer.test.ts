import { describe, expect, it } from 'vitest';
import { extractiveAnswer, NO_ANSWER_TEXT } from './extractive-answer.js';
import { passage } from './test-passages.js';

describe('extractiveAnswer', () => {
	const passages = [
		passage('1', 'Our office opens at nine. Refunds are issued within 14 days of a return. Parking is free.', 0.9),
		passage('2', 'The refund policy covers unopened items only. Shipping is handled by couriers.', 0.7),
		passage('3', 'Cats are mammals. They sleep a lot.', 0.6),
	];

	it('quotes the best matching sentences, each tagged with its citation number', () => {
		const result = extractiveAnswer('What is the refund policy?', passages);
		expect(result.mode).toBe('extractive');
		expect(result.found).toBe(true);
		expect(result.sentences.map((s) => s.text)).toEqual(['The refund policy covers unopened items only.', 'Refunds are issued within 14 days of a return.']);
		expect(result.answer).toBe('The refund policy covers unopened items only. [1] Refunds are issued within 14 days of a return. [2]');
		expect(result.citations.map((c) => [c.n, c.item, c.passage])).toEqual([
			[1, '2', 'The refund policy covers unopened items only.'],
			[2, '1', 'Refunds are issued within 14 days of a return.'],
		]);
	});

	it('only cites passages it quotes', () => {
		const result = extractiveAnswer('Do cats sleep?', passages);
		expect(result.citations.map((c) => c.item)).toEqual(['3']);
		expect(result.answer).toContain('They sleep a lot. [1]');
	});

	it('weighs sentences by their passage score', () => {
		const tie = [passage('low', 'Solar panels need sunlight.', 0.2), passage('high', 'Solar panels need cleaning.', 0.9)];
		const result = extractiveAnswer('solar panels', tie, { maxSentences: 1 });
		expect(result.citations.map((c) => c.item)).toEqual(['high']);
	});

	it('dedupes near-identical sentences across passages and keeps at most maxSentences', () => {
		const dup = [
			passage('a', 'Backups run every night at two.', 0.9),
			passage('b', 'Backups run every night at two!', 0.85),
			passage('c', 'Backups are kept for thirty days. Backups can be restored by admins. Backups are encrypted.', 0.8),
		];
		const result = extractiveAnswer('backups', dup, { maxSentences: 3 });
		expect(result.sentences).toHaveLength(3);
		expect(result.sentences.filter((s) => s.text.startsWith('Backups run every night'))).toHaveLength(1);
	});

	it('says no answer was found, with no citations, when nothing is relevant', () => {
		for (const result of [extractiveAnswer('quantum chromodynamics lattice', passages), extractiveAnswer('refund', []), extractiveAnswer('the of and', passages)]) {
			expect(result).toMatchObject({ found: false, answer: NO_ANSWER_TEXT, citations: [], sentences: [] });
		}
	});
});
