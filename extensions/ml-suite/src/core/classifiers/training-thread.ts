/**
 * Entry of the classifier training thread (a `worker_threads` Worker). Built on its own into
 * `dist/classifier-training.mjs` next to the API bundle (see extension.config.js). Tokenizing,
 * featurizing, fitting and evaluating 10k documents take minutes of CPU: here they run off the
 * event loop that serves requests. Embeddings are asked of the parent (the provider, its budget
 * and usage live there); progress streams back; the database is written by the parent only.
 */
import { constants, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { MlError } from '../errors.js';
import { trainClassifier } from './train-classifier.js';
import type { FromTrainingThread, ThreadError, ToTrainingThread, TrainingThreadInput } from './training-thread-protocol.js';

function toThreadError(error: unknown): ThreadError {
	if (error instanceof MlError) return { message: error.message, name: error.name, code: error.code, status: error.status, details: error.details };
	return { message: error instanceof Error ? error.message : String(error), name: error instanceof Error ? error.name : undefined };
}

if (parentPort) {
	// On Linux the priority set for "process 0" is the calling thread's: this thread alone drops to
	// the lowest CPU priority, so on a busy machine the server's requests run before the training's
	// next batch (the /ml/search p95 while training was 1.84× idle without this). Elsewhere the call
	// would lower the whole process, so it is made on Linux only.
	if (process.platform === 'linux') {
		try {
			setPriority(0, constants.priority.PRIORITY_LOW);
		} catch {
			// not permitted here: training still runs off the event loop
		}
	}
	const port = parentPort;
	const send = (message: FromTrainingThread): void => port.postMessage(message);
	const pending = new Map<number, { resolve(value: { embeddings: number[][]; model: string; dimensions: number }): void; reject(error: Error): void }>();
	let nextId = 1;
	port.on('message', (message: ToTrainingThread) => {
		const waiting = pending.get(message.id);
		if (!waiting) return;
		pending.delete(message.id);
		if (message.type === 'embedded') waiting.resolve(message.result);
		else waiting.reject(Object.assign(new Error(message.error.message), message.error));
	});
	const input = workerData as TrainingThreadInput;
	trainClassifier(input.examples, input.spec, {
		progress: (value) => send({ type: 'progress', value }),
		embed: input.canEmbed
			? (texts) =>
					new Promise((resolve, reject) => {
						const id = nextId++;
						pending.set(id, { resolve, reject });
						send({ type: 'embed', id, texts });
					})
			: undefined,
	})
		.then((outcome) => {
			send({
				type: 'done',
				outcome: { artifactJson: JSON.stringify(outcome.artifact), labels: outcome.artifact.labels, metrics: outcome.metrics, trainSize: outcome.trainSize, testSize: outcome.testSize, trainingMs: outcome.trainingMs },
			});
		})
		// The parent ends the thread once it has the answer.
		.catch((error: unknown) => send({ type: 'error', error: toThreadError(error) }));
}
