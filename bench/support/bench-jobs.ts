import { z } from 'zod';
import { LocalEmbeddingModel } from '../../extensions/ml-suite/src/core/providers/local-embedding-model.js';
import type { JobDefinition } from '../../extensions/ml-suite/src/core/jobs/types.js';

/** Texts an embedding job embeds: 8 chunk-sized passages (~1,000 characters each). */
const model = new LocalEmbeddingModel();

export const JobPayload = z.object({ n: z.number().int(), texts: z.array(z.string()).optional() });
export type JobPayload = z.infer<typeof JobPayload>;

/** A job that does nothing: measures the queue's own cost per job. */
export function noopJob(onDone: () => void): JobDefinition<typeof JobPayload, unknown, null> {
	return {
		name: 'bench-noop',
		queue: 'indexing',
		schema: JobPayload,
		async process() {
			onDone();
			return null;
		},
	};
}

/** A job that embeds its texts with the local model (CPU-bound work per job). */
export function embedJob(onDone: () => void): JobDefinition<typeof JobPayload, unknown, number> {
	return {
		name: 'bench-embed',
		queue: 'indexing',
		schema: JobPayload,
		async process(data) {
			const result = await model.embed(data.texts ?? []);
			onDone();
			return result.embeddings.length;
		},
	};
}

/** The work a job does outside any queue (the plain BullMQ baseline runs exactly this). */
export async function runJobBody(kind: 'noop' | 'embed', data: JobPayload): Promise<unknown> {
	if (kind === 'noop') return null;
	return (await model.embed(data.texts ?? [])).embeddings.length;
}
