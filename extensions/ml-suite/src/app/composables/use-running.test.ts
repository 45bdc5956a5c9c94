import { describe, expect, it } from 'vitest';
import { ref } from 'vue';
import { useRunning } from './use-running.js';

describe('useRunning', () => {
	it('is running only while the action runs', async () => {
		const error = ref<string | null>(null);
		const { running, run } = useRunning(error);
		let runningDuring = false;
		await run(async () => {
			runningDuring = running.value;
		});
		expect(runningDuring).toBe(true);
		expect(running.value).toBe(false);
		expect(error.value).toBeNull();
	});

	it('puts a failure into the ref, or hands it to the handler, and stops running', async () => {
		const error = ref<string | null>(null);
		const shown = useRunning(error);
		await shown.run(async () => {
			throw new Error('index not found');
		});
		expect(error.value).toContain('index not found');
		expect(shown.running.value).toBe(false);

		const emitted: string[] = [];
		const handled = useRunning((message) => emitted.push(message));
		await handled.run(async () => {
			throw new Error('export failed');
		});
		expect(emitted).toHaveLength(1);
		expect(emitted[0]).toContain('export failed');
		expect(handled.running.value).toBe(false);
	});
});
