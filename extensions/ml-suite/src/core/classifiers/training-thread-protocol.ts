import type { ClassificationMetrics } from './classification-metrics.js';
import type { Example, TrainingSpec } from './types.js';

/** What the training thread starts with (`workerData`). */
export interface TrainingThreadInput {
	examples: Example[];
	spec: TrainingSpec;
	/** Whether the parent can embed (embedding features ask it); without, such a run is a 400 as in-thread. */
	canEmbed: boolean;
}

/** A finished run as the thread hands it back: the weights already serialised (JSON), so the request thread never walks them. */
export interface SerializedTrainOutcome {
	artifactJson: string;
	labels: string[];
	metrics: ClassificationMetrics;
	trainSize: number;
	testSize: number;
	trainingMs: number;
}

/** An error crossing the thread boundary; `status`/`code`/`details` keep a 4xx a 4xx. */
export interface ThreadError {
	message: string;
	name?: string;
	code?: string;
	status?: number;
	details?: Record<string, unknown>;
}

export type FromTrainingThread =
	| { type: 'progress'; value: { phase: string; percent: number; epoch?: number; loss?: number } }
	| { type: 'embed'; id: number; texts: string[] }
	| { type: 'done'; outcome: SerializedTrainOutcome }
	| { type: 'error'; error: ThreadError };

export type ToTrainingThread = { type: 'embedded'; id: number; result: { embeddings: number[][]; model: string; dimensions: number } } | { type: 'embed-failed'; id: number; error: ThreadError };
