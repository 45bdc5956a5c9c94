import { z } from 'zod';
import type { JobDefinition } from '../jobs/types.js';
import { UnrecoverableJobError } from '../jobs/unrecoverable-job-error.js';
import { isMlError } from '../errors.js';
import type { ClassifierService } from './classifier-service.js';

export interface ClassifierJobDeps {
	classifiers: ClassifierService;
}

export const TrainClassifierJob = z.object({ versionId: z.string().min(1) });

/** Trains one classifier version. Bad data (a 4xx from the guards) is not retried. */
export const trainClassifierJob: JobDefinition<typeof TrainClassifierJob, ClassifierJobDeps, unknown> = {
	name: 'train-classifier',
	queue: 'training',
	schema: TrainClassifierJob,
	attempts: 2,
	priority: 'low',
	async process(data, deps, ctx) {
		try {
			const version = await deps.classifiers.runTraining(data.versionId, {
				jobId: ctx.jobId,
				signal: ctx.signal,
				progress: (p) => ctx.progress(p),
				log: (line) => ctx.log(line),
			});
			return { version: version.version, accuracy: version.metrics?.accuracy, macroF1: version.metrics?.macroF1, trainSize: version.trainSize, testSize: version.testSize, trainingMs: version.trainingMs };
		} catch (error) {
			if (isMlError(error) && error.status >= 400 && error.status < 500) throw new UnrecoverableJobError(error.message, { cause: error });
			throw error;
		}
	},
};
