import { Worker } from 'node:worker_threads';
import { MlError } from '../errors.js';
import type { TrainDeps } from './train-classifier.js';
import type { FromTrainingThread, SerializedTrainOutcome, ThreadError, ToTrainingThread, TrainingThreadInput } from './training-thread-protocol.js';
import type { Example, TrainingSpec } from './types.js';

/** Trains a classifier: in this thread (`trainClassifier`) or in a worker thread (`threadTrainer`). */
export type Trainer = (examples: readonly Example[], spec: TrainingSpec, deps: Pick<TrainDeps, 'embed' | 'progress' | 'signal'>) => Promise<SerializedTrainOutcome>;

export interface ThreadTrainerOptions {
	/** The built thread entry (`dist/classifier-training.mjs`). */
	script: URL | string;
	/** Heap limit of the thread (old generation), MB: a run that needs more fails instead of growing the server. */
	maxHeapMb: number;
}

function fromThreadError(error: ThreadError): Error {
	if (error.status !== undefined && error.code !== undefined) {
		const out = new MlError(error.message, { code: error.code, status: error.status, details: error.details });
		if (error.name) out.name = error.name;
		return out;
	}
	const out = new Error(error.message);
	if (error.name) out.name = error.name;
	return out;
}

/**
 * Runs each training in its own worker thread, so the CPU-heavy parts (tokenizing,
 * featurizing, fitting, evaluating) never hold up the event loop that serves requests. The
 * thread gets the examples, streams progress back and asks this side for embeddings; it ends
 * when the run does, so its memory (features, weights) is freed with it. Aborting terminates it.
 */
export function threadTrainer(options: ThreadTrainerOptions): Trainer {
	return (examples, spec, deps) =>
		new Promise<SerializedTrainOutcome>((resolve, reject) => {
			if (deps.signal?.aborted) {
				reject(deps.signal.reason ?? new Error('aborted'));
				return;
			}
			const input: TrainingThreadInput = { examples: [...examples], spec, canEmbed: deps.embed !== undefined };
			const worker = new Worker(options.script, {
				workerData: input,
				resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb },
				// The thread reads no environment and writes nothing to stdio.
				env: {},
				stdout: false,
				stderr: false,
			});
			let settled = false;
			const finish = (error: Error | null, outcome?: SerializedTrainOutcome): void => {
				if (settled) return;
				settled = true;
				deps.signal?.removeEventListener('abort', onAbort);
				void worker.terminate();
				if (error) reject(error);
				else resolve(outcome!);
			};
			const onAbort = (): void => finish(deps.signal?.reason instanceof Error ? deps.signal.reason : new Error('Training was cancelled.'));
			deps.signal?.addEventListener('abort', onAbort, { once: true });
			const reply = (message: ToTrainingThread): void => {
				if (!settled) worker.postMessage(message);
			};
			worker.on('message', (message: FromTrainingThread) => {
				switch (message.type) {
					case 'progress':
						void Promise.resolve(deps.progress?.(message.value)).catch(() => undefined);
						break;
					case 'embed':
						if (!deps.embed) {
							reply({ type: 'embed-failed', id: message.id, error: { message: 'Embedding features need an embedding model.' } });
							break;
						}
						deps.embed(message.texts, deps.signal).then(
							(result) => reply({ type: 'embedded', id: message.id, result }),
							(error: unknown) => reply({ type: 'embed-failed', id: message.id, error: { message: (error as Error).message, name: (error as Error).name, ...(error instanceof MlError ? { code: error.code, status: error.status, details: error.details } : {}) } }),
						);
						break;
					case 'done':
						finish(null, message.outcome);
						break;
					case 'error':
						finish(fromThreadError(message.error));
						break;
				}
			});
			worker.on('error', (error) => {
				const limit = (error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
				finish(limit ? new Error(`Training needed more than the ${options.maxHeapMb} MB its thread may use (ML_CLASSIFIER_THREAD_MEMORY_MB): train on fewer items or raise the limit.`, { cause: error }) : error);
			});
			worker.on('exit', (code) => finish(new Error(`The training thread stopped (exit code ${code}) before it finished.`)));
		});
}
