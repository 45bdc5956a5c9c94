import { afterEach, describe, expect, it } from 'vitest';
import { useFakeOpenAIServer } from '../../../../../test/fakes/use-openai-server.js';
import { OpenAIChatModel } from '../providers/openai-chat-model.js';
import { LlmAnalysisEngine } from './llm-analysis-engine.js';

/** Replies the fake model gives, in order; each request takes the next one. */
let replies: string[] = [];
const server = useFakeOpenAIServer({ reply: () => replies.shift() ?? '{}' });
afterEach(() => {
	replies = [];
});

function engine(provider: 'openai' | 'openai-compatible'): LlmAnalysisEngine {
	// `openai` with a base URL reaches the fake exactly as it would reach api.openai.com.
	return new LlmAnalysisEngine(
		new OpenAIChatModel({ provider, modelId: 'fake-chat', baseUrl: server.baseUrl, apiKeyEnv: 'KEY', resolveSecret: () => 'sk-test', maxRetries: 0, timeoutMs: 2000 }),
	);
}

describe('LlmAnalysisEngine through the openai SDK', () => {
	it('asks OpenAI for a strict JSON schema and validates the answer', async () => {
		replies = [JSON.stringify({ sentiment: 'negative', score: -0.7, confidence: 0.9, aspects: [] })];
		const out = await engine('openai').sentiment('Awful.', {});
		expect(out.result).toEqual({ sentiment: 'negative', score: -0.7, confidence: 0.9 });
		expect(out.model).toBe('fake-chat');
		const format = server.requests[0]?.body.response_format as { type: string; json_schema: { strict: boolean; schema: { required: string[]; additionalProperties: boolean } } };
		expect(format.type).toBe('json_schema');
		expect(format.json_schema.strict).toBe(true);
		expect(format.json_schema.schema.required).toEqual(expect.arrayContaining(['sentiment', 'score', 'confidence', 'aspects']));
		expect(format.json_schema.schema.additionalProperties).toBe(false);
	});

	it('uses JSON mode for compatible servers and repairs an invalid answer once', async () => {
		replies = ['Sure! Here is the summary: it is short.', '```json\n{"summary": "Short.", "keyPoints": ["short"]}\n```'];
		const out = await engine('openai-compatible').summarize('Some long text.', { maxLength: 20 });
		expect(out.result).toEqual({ summary: 'Short.', keyPoints: ['short'] });
		expect(server.requests).toHaveLength(2);
		expect(server.requests[0]?.body.response_format).toEqual({ type: 'json_object' });
		const repair = (server.requests[1]?.body.messages as { role: string; content: string }[]).at(-1);
		expect(repair?.content).toContain('not valid');
		expect(out.usage.inputTokens).toBeGreaterThan(0);
	});

	it('fails with a clear provider error when the repair is invalid too', async () => {
		replies = ['{"summary": 3}', '{"summary": 4}'];
		await expect(engine('openai-compatible').summarize('Some text.', {})).rejects.toMatchObject({ code: 'PROVIDER_BAD_RESPONSE', retryable: false });
	});

	it('keeps only known categories, in the caller’s spelling, normalised for single-label', async () => {
		replies = [JSON.stringify({ classifications: [{ category: 'SPORT', confidence: 0.6 }, { category: 'food', confidence: 0.2 }, { category: 'made-up', confidence: 0.9 }] })];
		const out = await engine('openai').classify('The team won.', [{ name: 'sport' }, { name: 'food' }, { name: 'tech' }], {});
		expect(out.result.labels).toEqual(['sport']);
		expect(out.result.classifications).toEqual([
			{ category: 'sport', confidence: 0.75 },
			{ category: 'food', confidence: 0.25 },
			{ category: 'tech', confidence: 0 },
		]);
	});

	it('generates free text with the chat model', async () => {
		replies = ['A poem about databases.'];
		const out = await engine('openai').generate('Write a poem', { maxTokens: 50 });
		expect(out.result.content).toBe('A poem about databases.');
		expect(server.requests[0]?.body.response_format).toBeUndefined();
	});
});
