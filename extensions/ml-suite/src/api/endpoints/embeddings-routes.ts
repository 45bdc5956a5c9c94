import { cosineSimilarity } from '../../core/embeddings/cosine-similarity.js';
import type { Router } from 'express';
import { z } from 'zod';
import { encodeBase64Vector } from '../../core/embeddings/encode-base64-vector.js';
import { vectorJsonMaxBytes, writeVectorJson } from '../../core/embeddings/vector-json.js';
import { InvalidPayloadError } from '../../core/errors.js';
import { assertInputsWithinCaps } from '../../core/providers/model-caps.js';
import type { Container } from '../container.js';
import { BodyBuffers, JsonText, route, type MlRequest } from '../http.js';
import { EmbeddingBatchResponse, EmbeddingResponse, SimilarityResponse } from './response-schemas.js';

const text = z.string({ error: 'must be a string' }).refine((s) => s.trim().length > 0, 'must not be empty');
const model = z.string().trim().min(1).max(200).optional();
/** As in OpenAI's API: `base64` returns each vector as base64 of little-endian float32 bytes. Default: `float`. */
const encodingFormat = z.enum(['float', 'base64'], { error: 'must be "float" or "base64"' }).default('float');

export const GenerateEmbeddingBody = z.object({ text, model, encoding_format: encodingFormat });

/** Buffers the vector bodies are written into, reused once a response has been sent. */
const bodyBuffers = new BodyBuffers();

/**
 * The body with its vector(s) first under `key` — one vector, or a list when `list` — and the
 * rest of the fields after them, written straight into one pooled buffer that is sent. `float`:
 * numbers written by `writeVectorJson` (9 significant digits, the same float32 values, a fraction
 * of `JSON.stringify`'s cost); `base64`: base64 strings of the float32 bytes, as OpenAI's API
 * returns (no JSON escaping needed: quotes around it are the string).
 */
export function vectorBody(key: string, vectors: readonly (readonly number[])[], list: boolean, format: 'float' | 'base64', rest: Record<string, unknown>, buffers = bodyBuffers): JsonText {
	const tailFields = JSON.stringify(rest);
	const head = `{${JSON.stringify(key)}:${list ? '[' : ''}`;
	const tail = `${list ? ']' : ''}${tailFields === '{}' ? '}' : `,${tailFields.slice(1)}`}`;
	const encoded = format === 'base64' ? vectors.map(encodeBase64Vector) : null;
	let size = Buffer.byteLength(head) + Buffer.byteLength(tail) + vectors.length;
	if (encoded) for (const text of encoded) size += text.length + 2;
	else for (const v of vectors) size += vectorJsonMaxBytes(v.length);
	const { buffer: out, release } = buffers.acquire(size);
	let pos = out.write(head, 0);
	for (let i = 0; i < vectors.length; i++) {
		if (i > 0) out[pos++] = 0x2c; // ,
		if (encoded) {
			out[pos++] = 0x22; // "
			pos += out.write(encoded[i]!, pos, 'latin1');
			out[pos++] = 0x22;
		} else pos = writeVectorJson(out, pos, vectors[i]!);
	}
	pos += out.write(tail, pos);
	return new JsonText(out.subarray(0, pos), release);
}

export const SimilarityBody = z.object({ text1: text, text2: text, model });
/** For the OpenAPI document: the route checks the batch size against ML_MAX_BATCH_INPUTS itself. */
export const EmbeddingBatchBody = z.object({ texts: z.array(text).min(1, 'must contain at least one text'), model, encoding_format: encodingFormat });


/** SynthStack-compatible embedding routes. */
export function registerEmbeddingRoutes(router: Router, getContainer: () => Promise<Container>): void {
	const embed = async (container: Container, texts: string[], modelId: string | undefined, req: MlRequest, field: string) => {
		const { definition } = await container.models.embeddingModel(modelId);
		// Using a model follows Directus permissions (read access to its ml_models row), within its caps.
		await container.modelAccess.assert(req.accountability, definition, req.schema);
		assertInputsWithinCaps(definition, texts, field);
		return container.embedTexts(texts, { modelId, origin: req.origin, signal: req.signal });
	};

	route(router, 'post', '/embeddings/generate', { access: 'user', body: GenerateEmbeddingBody, response: EmbeddingResponse, summary: 'Embedding of one text' }, async (req, container) => {
		const result = await embed(container, [req.body.text], req.body.model, req, 'text');
		return vectorBody('embedding', [result.embeddings[0] ?? []], false, req.body.encoding_format, { model: result.model, dimensions: result.dimensions, tokensUsed: result.usage.inputTokens });
	}, getContainer);

	route(router, 'post', '/embeddings/batch', { access: 'user', body: EmbeddingBatchBody, response: EmbeddingBatchResponse, summary: 'Embeddings of several texts, in order' }, async (req, container) => {
		// The spec's schema checked the body; the size limit is configuration, checked here (a zod
		// schema built and run again per request cost more than the check).
		const body = req.body;
		const max = container.config.ML_MAX_BATCH_INPUTS;
		if (body.texts.length > max) {
			const message = `must contain at most ${max} texts`;
			throw new InvalidPayloadError(`Invalid body: "texts": ${message}`, { problems: [{ field: 'texts', message }] });
		}
		const result = await embed(container, body.texts, body.model, req, 'texts');
		return vectorBody('embeddings', result.embeddings, true, body.encoding_format, {
			model: result.model,
			dimensions: result.dimensions,
			count: result.embeddings.length,
			tokensUsed: result.usage.inputTokens,
		});
	}, getContainer);

	route(router, 'post', '/embeddings/similarity', { access: 'user', body: SimilarityBody, response: SimilarityResponse, summary: 'Cosine similarity of two texts' }, async (req, container) => {
		const result = await embed(container, [req.body.text1, req.body.text2], req.body.model, req, 'text1');
		const [a, b] = result.embeddings;
		return { similarity: cosineSimilarity(a ?? [], b ?? []), model: result.model };
	}, getContainer);

	route(router, 'get', '/embeddings/models', { access: 'user' }, async (_req, container) => {
		const definitions = (await container.models.list('embedding')).filter((d) => d.status === 'active');
		return {
			models: definitions.map((d) => ({
				id: d.modelId,
				name: d.name,
				dimensions: d.dimensions,
				maxTokens: d.maxInputTokens,
				provider: d.provider,
				isDefault: d.isDefault,
			})),
		};
	}, getContainer);
}
