import { describe, expect, it } from 'vitest';
import { assertInputsWithinCaps, assertPromptWithinCaps, capCompletionTokens } from './model-caps.js';

const model = { name: 'Cheap chat', modelId: 'cheap-1', maxOutputTokens: 256, maxRequestInputs: 3, maxInputChars: 20 };
const uncapped = { name: 'Open', modelId: 'open-1', maxOutputTokens: null, maxRequestInputs: null, maxInputChars: null };

describe('per-model request caps', () => {
	it('max_tokens above max_output_tokens is refused naming the cap; none asked means the cap', () => {
		expect(() => capCompletionTokens(model, 4000)).toThrow(expect.objectContaining({ status: 400, code: 'MODEL_LIMIT_EXCEEDED', details: expect.objectContaining({ field: 'max_tokens', limit: 'max_output_tokens', max: 256, model: 'cheap-1' }) }));
		expect(() => capCompletionTokens(model, 4000)).toThrow(/max_output_tokens/);
		expect(capCompletionTokens(model, 100)).toBe(100);
		expect(capCompletionTokens(model, undefined)).toBe(256);
		expect(capCompletionTokens(uncapped, 4000)).toBe(4000);
		expect(capCompletionTokens(uncapped, undefined)).toBeUndefined();
	});

	it('a prompt longer than max_input_chars is refused', () => {
		expect(() => assertPromptWithinCaps(model, [{ role: 'system', content: 'x'.repeat(15) }, { role: 'user', content: 'y'.repeat(6) }])).toThrow(/21 characters.*at most 20 \(max_input_chars/);
		expect(() => assertPromptWithinCaps(model, [{ role: 'user', content: 'y'.repeat(20) }])).not.toThrow();
		expect(() => assertPromptWithinCaps(uncapped, [{ role: 'user', content: 'y'.repeat(100_000) }])).not.toThrow();
	});

	it('too many texts or a too long text for an embedding request is refused, naming which', () => {
		expect(() => assertInputsWithinCaps(model, ['a', 'b', 'c', 'd'])).toThrow(expect.objectContaining({ details: expect.objectContaining({ limit: 'max_request_inputs', max: 3 }) }));
		expect(() => assertInputsWithinCaps(model, ['a', 'x'.repeat(21)])).toThrow(expect.objectContaining({ details: expect.objectContaining({ field: 'texts.1', limit: 'max_input_chars', max: 20 }) }));
		expect(() => assertInputsWithinCaps(model, ['a', 'b', 'x'.repeat(20)])).not.toThrow();
		expect(() => assertInputsWithinCaps(uncapped, Array.from({ length: 500 }, () => 'x'.repeat(5000)))).not.toThrow();
	});
});
