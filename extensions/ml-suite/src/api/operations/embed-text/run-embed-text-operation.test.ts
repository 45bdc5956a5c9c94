import { describe, expect, it } from 'vitest';
import { EmbeddingService, type ResolvedEmbeddingModel } from '../../../core/embeddings/embedding-service.js';
import { InvalidPayloadError, NotFoundError } from '../../../core/errors.js';
import { LocalEmbeddingModel } from '../../../core/providers/local-embedding-model.js';
import { runEmbedTextOperation, type EmbedTextOperationDeps } from './run-embed-text-operation.js';

const prices = { inputPricePerMillion: 0, outputPricePerMillion: 0 };
const registry: Record<string, ResolvedEmbeddingModel> = {
	default: { model: new LocalEmbeddingModel({ modelId: 'local-default', dimensions: 96 }), definition: prices },
	small: { model: new LocalEmbeddingModel({ modelId: 'local-small', dimensions: 32 }), definition: prices },
};

/** Real embedding service and local model; only the registry lookup is a stand-in. */
function deps(): EmbedTextOperationDeps {
	const service = new EmbeddingService();
	return {
		embed(texts, modelId) {
			const resolved = registry[modelId ?? 'default'];
			if (!resolved) throw new NotFoundError(`Unknown model "${modelId}".`);
			return service.embed(texts, { model: resolved, origin: { user: null, sourceType: 'flow', source: 'flow:test' } });
		},
	};
}

function cosine(a: number[], b: number[]): number {
	let dot = 0;
	for (let i = 0; i < a.length; i++) dot += (a[i] ?? 0) * (b[i] ?? 0);
	return dot;
}

describe('runEmbedTextOperation', () => {
	it('embeds with the default model and reports its id and dimensions', async () => {
		const result = await runEmbedTextOperation({ text: 'Night trains carry sleeping cars across Europe', model: '' }, deps());
		expect(result.model).toBe('local-default');
		expect(result.dimensions).toBe(96);
		expect(result.embedding).toHaveLength(96);
		expect(result.embedding.some((v) => v !== 0)).toBe(true);
	});

	it('uses the named model', async () => {
		const result = await runEmbedTextOperation({ text: 'hello world', model: 'small' }, deps());
		expect(result).toMatchObject({ model: 'local-small', dimensions: 32 });
		expect(result.embedding).toHaveLength(32);
	});

	it('gives related texts closer vectors than unrelated ones', async () => {
		const d = deps();
		const [a, b, c] = await Promise.all(
			['sourdough bread baking with wet dough', 'baking sourdough bread loaves', 'heat pump refrigerant compressor'].map(async (text) => (await runEmbedTextOperation({ text }, d)).embedding),
		);
		expect(cosine(a!, b!)).toBeGreaterThan(cosine(a!, c!));
	});

	it('serialises a non-string value from a mustache placeholder instead of failing', async () => {
		const d = deps();
		const fromObject = await runEmbedTextOperation({ text: { title: 'Heat pumps' } }, d);
		const fromJson = await runEmbedTextOperation({ text: '{"title":"Heat pumps"}' }, d);
		expect(fromObject.embedding).toEqual(fromJson.embedding);
	});

	it('rejects missing or blank text naming the option, and an unknown model', async () => {
		await expect(runEmbedTextOperation({ text: '   ' }, deps())).rejects.toThrow(/"text": is required/);
		await expect(runEmbedTextOperation({}, deps())).rejects.toBeInstanceOf(InvalidPayloadError);
		await expect(runEmbedTextOperation({ text: 'x', model: 'nope' }, deps())).rejects.toBeInstanceOf(NotFoundError);
	});
});
