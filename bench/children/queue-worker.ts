// A standalone worker process for the queue benchmark: a BullmqQueue with workers on the
// benchmark's prefix, reporting each finished job to the parent over IPC.
import { BullmqQueue } from '../../extensions/ml-suite/src/core/jobs/bullmq-queue.js';
import { embedJob, noopJob } from '../support/bench-jobs.js';

const [redisUrl, prefix, concurrency] = process.argv.slice(2);
const queue = new BullmqQueue({ redisUrl: redisUrl!, prefix: prefix!, concurrency: Number(concurrency), workerName: `bench-${process.pid}` });
const done = (): void => void process.send?.({ type: 'done' });
queue.register(noopJob(done) as never);
queue.register(embedJob(done) as never);
await queue.startWorkers();
process.send?.({ type: 'ready' });
process.on('message', (message: { type: string }) => {
	if (message.type === 'stop') {
		void queue.close({ timeoutMs: 5000 }).then(() => process.exit(0));
	}
});
